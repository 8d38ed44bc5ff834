import { defineLifecycleCheck, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

const resource = (p: { id: string }) => `row:public.agent_state_periods.agent_id=${p.id}`;

/**
 * Data proof that periods do not overlap: every live agent has exactly one open period (its
 * state), and the periods of every destroyed or transferred agent tile its life (their
 * seconds equal the span they cover: an overlap would exceed it, a missing piece fall short).
 */
export default defineLifecycleCheck({
  id: 'state_periods_tile',
  scope: ['agent'],
  description: 'Every live agent has exactly one open state period, and the periods of every destroyed or transferred agent follow each other without overlap or gap.',
  rules: {
    'period.open_count': { reason: (p) => `agent ${short(p.id)} has ${p.actual} where its state must be exactly one.`, resource },
    'period.tiling': { reason: (p) => `the periods of agent ${short(p.id)} overlap or leave a gap: ${p.actual}, against ${p.witness}.`, resource },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.agents} live agent(s) have exactly one open period, and the ${f.counts.periods} period(s) of ${f.counts.historySubjects} destroyed or transferred agent(s) follow each other without overlap or gap.`,
      { resource: 'table:public.agent_state_periods' },
      `open periods=${f.counts.openPeriods}`,
    ),
});
