import { z } from 'zod';
import { defineCheck } from './types.ts';
import { lifecycleOf, problemFindings, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of the daily aggregate and of where past usage is kept: for every destroyed
 * or transferred agent, the usage rows of each account add up to the closed periods that
 * account had (so usage moved to another account, or deleted, shows).
 */
export default defineCheck({
  id: 'usage_matches_periods',
  kind: 'data',
  description: 'For every destroyed or transferred agent, its daily usage per account adds up to the closed state periods of that account.',
  collectors: ['lifecycle'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const f = lifecycleOf(facts);
    const out = problemFindings(f, {
      'usage.seconds': {
        reason: (p) => `agent ${short(p.id)} has ${p.actual} s of usage booked to account ${short(p.ref)}, but its closed periods under that account total ${p.witness} s.`,
        resource: (p) => `row:public.agent_usage_daily.agent_id=${p.id}`,
      },
    });
    if (out.length) return out;
    return [
      pass(
        `The usage rows of all ${f.counts.historySubjects} destroyed or transferred agent(s) add up, per account, to their closed periods.`,
        { resource: 'table:public.agent_usage_daily' },
        `agents=${f.counts.historySubjects}, usage rows=${f.counts.usageRows}, periods=${f.counts.periods}`,
      ),
    ];
  },
});
