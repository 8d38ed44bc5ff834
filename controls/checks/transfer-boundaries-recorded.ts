import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { AuditFacts } from '../../collectors/audit.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'transfer_boundaries_recorded',
  kind: 'data',
  description: "Every agent transfer event sits exactly on a state-period boundary: the old account's period closes and the new account's opens at the event's time.",
  collectors: ['audit'],
  params: z.object({ /** Require at least this many transfers to have been observed. */ minTransfers: z.number().int().min(0).default(1) }).strict(),
  evaluate(facts, { minTransfers }) {
    const t = factsOf<AuditFacts>(facts, 'audit').transfers;
    if (t.firstOffBoundarySeq !== null) {
      return [
        fail(`${t.events - t.onBoundary} of ${t.events} transfer event(s) have no matching period boundary; the first is audit event ${t.firstOffBoundarySeq}.`, {
          resource: `row:public.audit_events.seq=${t.firstOffBoundarySeq}`,
        }),
      ];
    }
    if (t.events < minTransfers)
      return [fail(`Only ${t.events} agent transfer(s) are recorded, fewer than ${minTransfers}, so the boundary cannot be shown.`, { resource: 'audit_action:agent.transferred' })];
    return [
      pass(`All ${t.events} agent transfer event(s) sit on a state-period boundary between the old and the new account.`, { resource: 'table:public.agent_state_periods' }, `transfers=${t.events}`),
    ];
  },
});
