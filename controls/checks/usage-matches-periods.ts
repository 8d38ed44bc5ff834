import { defineLifecycleCheck, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of the daily aggregate and of where past usage is kept: for every destroyed
 * or transferred agent, the usage rows of each account add up to the closed periods that
 * account had (so usage moved to another account, or deleted, shows).
 */
export default defineLifecycleCheck({
  id: 'usage_matches_periods',
  description: 'For every destroyed or transferred agent, its daily usage per account adds up to the closed state periods of that account.',
  rules: {
    'usage.seconds': {
      reason: (p) => `agent ${short(p.id)} has ${p.actual} s of usage booked to account ${short(p.ref)}, but its closed periods under that account total ${p.witness} s.`,
      resource: (p) => `row:public.agent_usage_daily.agent_id=${p.id}`,
    },
  },
  passing: (f) =>
    pass(
      `The usage rows of all ${f.counts.historySubjects} destroyed or transferred agent(s) add up, per account, to their closed periods.`,
      { resource: 'table:public.agent_usage_daily' },
      `agents=${f.counts.historySubjects}, usage rows=${f.counts.usageRows}, periods=${f.counts.periods}`,
    ),
});
