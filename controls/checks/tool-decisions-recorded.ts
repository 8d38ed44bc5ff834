import type { Finding } from './types.ts';
import { fail, pass } from './helpers.ts';
import { defineToolsCheck } from './tools-check.ts';

/**
 * Tool decisions are audited in the data: every tool_approvals row has its
 * tool.approval_requested event, a decided row its tool.approved / tool.approval_denied
 * event, and a used row the tool.allowed event that used it.
 */
export default defineToolsCheck({
  id: 'tool_decisions_recorded',
  // Every tool_approvals row.
  scope: ['row'],
  description: 'Every tool approval row has the audit events of its request, its decision (when decided) and its use (when used).',
  evaluate(t) {
    const out: Finding[] = [];
    let ok = 0;
    for (const a of t.approvals) {
      const missing = [
        !a.requestedEvent && 'tool.approval_requested',
        a.status !== 'pending' && !a.decidedEvent && (a.status === 'approved' ? 'tool.approved' : 'tool.approval_denied'),
        a.used && !a.allowedEvent && 'tool.allowed',
      ].filter(Boolean);
      if (missing.length)
        out.push(
          fail(
            `Tool approval ${a.first} (${a.status}${a.used ? ', used' : ''}) has no ${missing.join(' or ')} audit event; ${a.count} such row(s).`,
            { resource: `row:public.tool_approvals.id=${a.first}` },
            `status=${a.status}`,
          ),
        );
      else ok += a.count;
    }
    if (!out.length) out.push(pass(`${ok} tool approval row(s), each with the audit events of its request, decision and use.`, { resource: 'table:public.tool_approvals' }));
    return out;
  },
});
