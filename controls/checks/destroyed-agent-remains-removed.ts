import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof that destroy removes what must go: no agent_secrets row whose agent is gone
 * (no agent row, or an agent.destroyed event), no open period of such an agent, and no
 * agent row left after its destroy event.
 */
export default defineLifecycleCheck({
  id: 'destroyed_agent_remains_removed',
  description: 'No secret and no open state period remains for an agent that is gone (no row, or a chained destroy event), and no agent row outlives its destroy event.',
  scope: ['secret'],
  rules: {
    'secret.agent_gone': {
      reason: (p) => `agent ${short(p.id)} ${p.seq === null ? 'does not exist' : `was destroyed (${seqText(p)})`} but ${p.actual} remain for it.`,
      resource: (p) => `row:public.agent_secrets.agent_id=${p.id}`,
    },
    'period.open_after_destroy': {
      reason: (p) => `agent ${short(p.ref)} ${p.seq === null ? 'does not exist' : `was destroyed (${seqText(p)})`} but its period ${p.id} is still ${p.actual}.`,
      resource: (p) => `row:public.agent_state_periods.id=${p.id}`,
    },
    'agent.row_after_destroy': { reason: (p) => `agent ${short(p.id)} was destroyed (${seqText(p)}) but its row is still there.` },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.agentSecrets} agent secret(s) belong to live agents, and none of the ${f.counts.destroyedAgents} destroyed agent(s) has an open period or a row left.`,
      { resource: 'table:public.agent_secrets' },
      `secrets=${f.counts.agentSecrets}, destroyed=${f.counts.destroyedAgents}`,
    ),
});
