import { z } from 'zod';
import { defineCheck } from './types.ts';
import type { WitnessFacts } from '../../collectors/witness.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * The chain still agrees with the head the external transparency log witnessed (an owner
 * or superuser who disables the triggers and rewrites events up to that head changes its
 * hash), and no more than the bound sits unwitnessed after it.
 */
export default defineCheck({
  id: 'audit_head_witnessed',
  kind: 'data',
  description: 'The event at the last witnessed seq still has the hash the external transparency log witnessed, and the unwitnessed window (events and age after it) is within bounds.',
  collectors: ['witness'],
  params: z
    .object({
      /** Most events allowed after the last witnessed head (TRUST_WITNESS_MAX_EVENTS overrides). */
      maxEvents: z.number().int().min(0).default(100_000),
      /** Oldest unwitnessed event's age allowed, in seconds (TRUST_WITNESS_MAX_SECONDS overrides). */
      maxSeconds: z.number().int().min(0).default(86_400),
    })
    .strict(),
  evaluate(facts, params) {
    const w = factsOf<WitnessFacts>(facts, 'witness');
    const maxEvents = w.configuredBound?.maxEvents ?? params.maxEvents;
    const maxSeconds = w.configuredBound?.maxSeconds ?? params.maxSeconds;
    const resource = { resource: 'table:public.audit_events' };
    if (w.logError) return [fail(`The transparency log cannot be trusted: ${w.logError}.`, { resource: 'file:transparency-log' })];
    const window = `${w.unwitnessedEvents} event(s), oldest ${w.unwitnessedSeconds} s, after the witnessed head (bound ${maxEvents} events, ${maxSeconds} s)`;
    if (!w.witnessed) {
      // The first run on a database starts the witness; from then on its head is held outside.
      return [pass(`No head of this database's audit chain is witnessed yet; this run witnesses seq ${w.headSeq}.`, resource, `database=${w.database}`)];
    }
    const at = `row:public.audit_events.seq=${w.witnessed.seq}`;
    // A witness read for another database: this one is a copy or restore of that chain (or a rewritten copy put in its place).
    const where = `entry ${w.witnessed.index}, ${w.witnessed.at}${w.witnessed.database ? `, for ${w.witnessed.database}, which holds the same chain` : ''}`;
    if (w.hashAtWitnessedSeq === null)
      return [fail(`Event ${w.witnessed.seq}, witnessed in the transparency log (${where}), no longer exists: the audit chain was truncated or rewritten.`, { resource: at }, `head=${w.headSeq}`)];
    if (w.hashAtWitnessedSeq !== w.witnessed.hash) {
      return [
        fail(
          `Event ${w.witnessed.seq} now hashes to ${w.hashAtWitnessedSeq.slice(0, 16)}…, but the transparency log witnessed ${w.witnessed.hash.slice(0, 16)}… (${where}): audit events up to it were rewritten.`,
          { resource: at },
          `witnessed=${w.witnessed.hash}`,
        ),
      ];
    }
    if (w.unwitnessedEvents > maxEvents || w.unwitnessedSeconds > maxSeconds) {
      return [fail(`The unwitnessed window is too wide: ${window}; run trust audit witness more often.`, resource)];
    }
    return [
      pass(
        `The audit chain still holds the head witnessed in the transparency log (seq ${w.witnessed.seq}, entry ${w.witnessed.index}); unwitnessed window: ${window}.`,
        { resource: at },
        `events=${w.unwitnessedEvents} seconds=${w.unwitnessedSeconds}`,
      ),
    ];
  },
});
