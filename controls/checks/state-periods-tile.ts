import { z } from 'zod';
import { defineCheck } from './types.ts';
import { lifecycleOf, problemFindings, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof that periods do not overlap: every live agent has exactly one open period (its
 * state), and the periods of every destroyed or transferred agent tile its life (their
 * seconds equal the span they cover: an overlap would exceed it, a missing piece fall short).
 */
export default defineCheck({
  id: 'state_periods_tile',
  kind: 'data',
  scope: ['agent'],
  description: 'Every live agent has exactly one open state period, and the periods of every destroyed or transferred agent follow each other without overlap or gap.',
  collectors: ['lifecycle'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const f = lifecycleOf(facts);
    const resource = (p: { id: string }) => `row:public.agent_state_periods.agent_id=${p.id}`;
    const out = problemFindings(f, {
      'period.open_count': { reason: (p) => `agent ${short(p.id)} has ${p.actual} where its state must be exactly one.`, resource },
      'period.tiling': { reason: (p) => `the periods of agent ${short(p.id)} overlap or leave a gap: ${p.actual}, against ${p.witness}.`, resource },
    });
    if (out.length) return out;
    return [
      pass(
        `All ${f.counts.agents} live agent(s) have exactly one open period, and the ${f.counts.periods} period(s) of ${f.counts.historySubjects} destroyed or transferred agent(s) follow each other without overlap or gap.`,
        { resource: 'table:public.agent_state_periods' },
        `open periods=${f.counts.openPeriods}`,
      ),
    ];
  },
});
