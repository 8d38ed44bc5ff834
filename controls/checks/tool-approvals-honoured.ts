import type { Finding } from './types.ts';
import { fail, pass } from './helpers.ts';
import { defineToolsCheck } from './tools-check.ts';

/**
 * Approval gates hold in the data: every tool.allowed decision for a gated tool names an
 * approval that a tool.approved event approved earlier in the chain and that no other
 * decision used; and no tool_approvals row is consumed without being approved.
 */
export default defineToolsCheck({
  id: 'tool_approvals_honoured',
  // Every tool.allowed event for a gated tool, every approval row.
  scope: ['event', 'row'],
  description: 'Every tool.allowed audit event for a tool that requires approval names an approval approved earlier in the chain and used once; no used approval row is unapproved.',
  evaluate(t) {
    const out: Finding[] = [];
    let ok = 0;
    for (const g of t.allowed.filter((x) => t.config.requiresApproval.includes(x.tool))) {
      const origin = { resource: `row:public.audit_events.seq=${g.firstSeq}` };
      const witness = `${g.count} event(s), first seq ${g.firstSeq} (agent ${g.firstAgent})`;
      const why =
        g.approval === 'none'
          ? 'names no approval'
          : g.approval === 'never_approved'
            ? 'names an approval that no tool.approved event approved'
            : g.approval === 'approved_after'
              ? 'names an approval approved only after the decision'
              : g.approvalUses > 1
                ? `names an approval used by ${g.approvalUses} decisions`
                : null;
      if (why) out.push(fail(`Agent ${g.firstAgent} was allowed gated tool \`${g.tool}\` at audit seq ${g.firstSeq} but the decision ${why}; ${g.count} such decision(s).`, origin, witness));
      else ok += g.count;
    }
    for (const a of t.approvals.filter((x) => x.used && x.status !== 'approved')) {
      out.push(fail(`Tool approval ${a.first} was used while ${a.status}; ${a.count} such row(s).`, { resource: `row:public.tool_approvals.id=${a.first}` }, `status=${a.status}`));
    }
    if (!out.length)
      out.push(
        pass(`${ok} decision(s) allowing a gated tool (${t.config.requiresApproval.join(', ')}), each on an approval approved before it and used once.`, { resource: 'table:public.audit_events' }),
      );
    return out;
  },
});
