import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { AuditFacts } from '../../collectors/audit.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'audit_actions_recorded',
  kind: 'data',
  description: 'Audit events of each listed action exist, so the platform is seen recording them.',
  collectors: ['audit'],
  params: z
    .object({
      /** @example ["agent.provisioned", "agent.transferred", "agent.destroyed"] */
      actions: z.array(z.string().regex(/^[a-z_]+\.[a-z_]+$/)).min(1),
    })
    .strict(),
  evaluate(facts, { actions }) {
    const a = factsOf<AuditFacts>(facts, 'audit');
    return actions.map((action): Finding => {
      const n = a.actions.find((x) => x.action === action)?.count ?? 0;
      const resource = { resource: `audit_action:${action}` };
      return n > 0 ? pass(`${n} audit event(s) with action \`${action}\` are recorded.`, resource, `count=${n}`) : fail(`No audit event with action \`${action}\` is recorded.`, resource, 'count=0');
    });
  },
});
