import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { AuditFacts } from '../../collectors/audit.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'audit_chain_intact',
  kind: 'data',
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
      return [fail(`The audit chain breaks at event ${seq}: ${v.firstBroken?.reason ?? 'verification failed'}.`, { resource: seq ? `row:public.audit_events.seq=${seq}` : 'table:public.audit_events' }, `verified ${v.eventsVerified} from ${from}`)];
    }
    if (a.events < minEvents) return [fail(`Table \`public.audit_events\` holds ${a.events} event(s), fewer than ${minEvents}: nothing shows events are recorded.`, { resource: 'table:public.audit_events' })];
    return [pass(`The audit chain of \`public.audit_events\` verifies: ${v.eventsVerified} event(s) hashed from ${from} up to seq ${v.headSeq}.`, { resource: 'table:public.audit_events' }, `mode=${v.mode} head=${v.headSeq}`)];
  },
});
