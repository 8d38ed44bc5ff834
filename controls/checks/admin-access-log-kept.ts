import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { PrivacyFacts } from '../../collectors/privacy.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * Operator access log rows are kept their full period, proven against the audit chain:
 * every admin.access event names its admin_access_log row, so a row that is gone while its
 * event is younger than the period was deleted early.
 */
export default defineCheck({
  id: 'admin_access_log_kept',
  kind: 'data',
  // Every admin.access event of the chain.
  scope: ['event'],
  description: 'No admin_access_log row named by an admin.access audit event younger than the given days is missing.',
  collectors: ['privacy'],
  params: z.object({ /** @example 90 */ days: z.number().int().positive() }).strict(),
  evaluate(facts, { days }) {
    const p = factsOf<PrivacyFacts>(facts, 'privacy');
    const w = p.adminAccessWitness;
    const early = w.youngestMissing.filter((m) => m.ageDays < days);
    const out: Finding[] = early.map((m) =>
      fail(
        `Operator access log row ${m.logId} is gone although its admin.access audit event (seq ${m.seq}) is only ${m.ageDays} days old, under ${days}.`,
        { resource: `row:public.admin_access_log.id=${m.logId}` },
        `witness seq ${m.seq}`,
      ),
    );
    if (early.length === w.youngestMissing.length && w.missingRows > w.youngestMissing.length) {
      // Every listed one was early and more are missing: say so rather than imply the list is complete.
      out.push(
        fail(`${w.missingRows} admin_access_log row(s) named by admin.access events are gone; the youngest ${w.youngestMissing.length} are listed.`, { resource: 'table:public.admin_access_log' }),
      );
    }
    if (!out.length)
      out.push(
        pass(
          `Each of ${w.events} admin.access audit event(s) younger than ${days} days still has its admin_access_log row (${w.missingRows} older row(s) removed by retention).`,
          { resource: 'table:public.admin_access_log' },
          `events=${w.events} missing=${w.missingRows}`,
        ),
      );
    return out;
  },
});
