import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of a transfer boundary in the rows: every period of a transferred agent
 * belongs to the account that owned it then per the transfer events (before a transfer:
 * its source; after the last: its destination), and every live agent belongs to the
 * account its events give it (its latest transfer's destination, else where it was provisioned).
 */
export default defineLifecycleCheck({
  id: 'history_attributed_to_owner',
  description: 'Every state period of a transferred agent belongs to the account that owned the agent at that time per its chained transfer events, and every agent to the account its events give it.',
  scope: ['agent'],
  rules: {
    'period.account': {
      reason: (p) =>
        `period ${p.id} of agent ${short(p.ref)} is attributed to account ${short(p.actual)} but the transfer events (${seqText(p)}) say account ${short(p.witness)} owned the agent then.`,
      resource: (p) => `row:public.agent_state_periods.id=${p.id}`,
    },
    'agent.account_id': { reason: (p) => `agent ${short(p.id)} belongs to account ${short(p.actual)} but its events (${seqText(p)}) give it to account ${short(p.witness)}.` },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.transferredPeriods} period(s) of ${f.counts.transferredAgents} transferred agent(s) belong to the account that owned the agent at the time, and all ${f.counts.agents} agent(s) to the account their events give them.`,
      { resource: 'table:public.agent_state_periods' },
      `transfers=${f.counts.transfers}`,
    ),
});
