import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { AuditFacts } from '../../collectors/audit.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'audit_chain_intact',
  kind: 'data',
  scope: ['event', 'row'],
  description: 'Every audit event verified in this run links to its predecessor and its hash recomputes (from genesis, or from the latest signed checkpoint).',
  collectors: ['audit'],
  params: z.object({ /** Require at least this many events in the table. */ minEvents: z.number().int().min(0).default(1) }).strict(),
  evaluate(facts, { minEvents }) {
    const a = factsOf<AuditFacts>(facts, 'audit');
    const v = a.verification;
    const from = v.mode === 'full' || !a.checkpoint ? 'genesis' : `signed checkpoint ${a.checkpoint.seq}`;
    // verifyChain reports the checkpoint's own problem (bad signature) as a break at its seq.
    if (!v.ok) {
      const seq = v.firstBroken?.seq;
      return [
        fail(
          `The audit chain breaks at event ${seq}: ${v.firstBroken?.reason ?? 'verification failed'}.`,
          { resource: seq ? `row:public.audit_events.seq=${seq}` : 'table:public.audit_events' },
          `verified ${v.eventsVerified} from ${from}`,
        ),
      ];
    }
    // The chain's end must be the stored head: a chain that verifies but ends short of (or past)
    // the head lost events at the end, or stopped advancing the head.
    if (v.storedHeadSeq !== null && v.storedHeadSeq !== v.headSeq) {
      return [
        fail(
          `The audit chain ends at event ${v.headSeq} but the stored chain head is seq ${v.storedHeadSeq}.`,
          { resource: 'table:public.event_chain_head' },
          `mode=${v.mode} head=${v.headSeq} stored=${v.storedHeadSeq}`,
        ),
      ];
    }
    if (a.events < minEvents)
      return [fail(`Table \`public.audit_events\` holds ${a.events} event(s), fewer than ${minEvents}: nothing shows events are recorded.`, { resource: 'table:public.audit_events' })];
    // Checkpoint rows that are not authentic were passed over; say so rather than stay silent.
    const ignored = a.ignoredCheckpoints.length
      ? ` ${a.ignoredCheckpoints.length} newer checkpoint row(s) are not authentic and were ignored (first: ${a.ignoredCheckpoints[a.ignoredCheckpoints.length - 1].reason}).`
      : '';
    return [
      pass(
        `The audit chain of \`public.audit_events\` verifies: ${v.eventsVerified} event(s) hashed from ${from} up to seq ${v.headSeq}, the stored head.${ignored}`,
        { resource: 'table:public.audit_events' },
        `mode=${v.mode} head=${v.headSeq}`,
      ),
    ];
  },
});
