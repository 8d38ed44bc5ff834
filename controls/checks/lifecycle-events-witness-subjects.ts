import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof that events outlive their subjects: every server the provider created or
 * destroyed for an agent or a VM (its own log, kept after purge) still has the lifecycle
 * event naming it, every destroyed agent its provisioning event, and every live agent and
 * VM its provisioning event.
 */
export default defineLifecycleCheck({
  id: 'lifecycle_events_witness_subjects',
  description:
    'Every server the provider created or destroyed for an agent or VM has its provisioning or destroy event, every destroyed agent its provisioning event, and every live agent and VM its provisioning event.',
  rules: {
    'server_op.event': {
      reason: (p) => `the provider's ${p.ref} of server ${short(p.id)} has no lifecycle event naming that server: the event of its ${p.ref === 'create_server' ? 'provisioning' : 'destroy'} is gone.`,
      resource: (p) => `row:public.provider_operations.resource_id=${p.id}`,
    },
    'destroyed.provisioning_event': {
      reason: (p) => `agent ${short(p.id)} was destroyed (${seqText(p)}) but its agent.provisioned event is gone.`,
      resource: (p) => `row:public.audit_events.seq=${p.seq}`,
    },
    'agent.provisioning_event': { reason: (p) => `agent ${short(p.id)} has no agent.provisioned event.` },
    'vm.provisioning_event': { reason: (p) => `VM ${short(p.id)} has no vm.provisioned event.` },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.providerServerOps} server operation(s) of the provider, ${f.counts.destroyedAgents} destroyed agent(s), ${f.counts.agents} agent(s) and ${f.counts.vms} VM(s) still have the lifecycle events that name them.`,
      { resource: 'table:public.audit_events' },
      `server operations=${f.counts.providerServerOps}`,
    ),
});
