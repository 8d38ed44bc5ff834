import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

const periods = (p: { id: string }) => `row:public.agent_state_periods.agent_id=${p.id}`;
const usage = (p: { id: string }) => `row:public.agent_usage_daily.agent_id=${p.id}`;

/**
 * Data proof that destroy keeps history: for every agent.destroyed event, the agent's state
 * periods still run from its provisioning event to its destroy event (none open, no piece
 * missing) and its usage rows still add up to that time.
 */
export default defineLifecycleCheck({
  id: 'destroyed_agent_history_kept',
  description: 'Every destroyed agent (per its chained destroy event) still has state periods covering its life from its provisioning event to its destroy event, and usage rows adding up to it.',
  scope: ['agent'],
  rules: {
    'destroyed.no_history': { reason: (p) => `agent ${short(p.id)} was destroyed (${seqText(p)}) but none of its state periods remain.`, resource: periods },
    'destroyed.periods': { reason: (p) => `agent ${short(p.id)} lived ${p.witness} per its events (destroy ${seqText(p)}) but its remaining periods cover ${p.actual}.`, resource: periods },
    'destroyed.usage': { reason: (p) => `agent ${short(p.id)} existed ${p.witness} s per its events (destroy ${seqText(p)}) but its usage rows add up to ${p.actual} s.`, resource: usage },
    'destroyed.provisioning_event': {
      reason: (p) => `agent ${short(p.id)} was destroyed (${seqText(p)}) but its agent.provisioned event is missing, so its history has no start.`,
      resource: (p) => `row:public.audit_events.seq=${p.seq}`,
    },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.destroyedAgents} destroyed agent(s) keep state periods and usage covering their whole life, from provisioning to destroy.`,
      { resource: 'table:public.agent_usage_daily' },
      `destroyed=${f.counts.destroyedAgents}`,
    ),
});
