import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of a pinned region: the rows, not only the guard. Each agent and VM, and the
 * server, tunnel and disk it was provisioned with, sits in the region its provisioning
 * audit event recorded; the event is hash-chained, so it cannot be made to agree.
 */
export default defineLifecycleCheck({
  id: 'region_matches_provisioning_event',
  description: 'Every agent and VM, with its server, tunnel and disk, is in the region its chained provisioning event recorded.',
  scope: ['agent', 'vm', 'resource'],
  rules: {
    'agent.provisioning_event': { reason: (p) => `agent ${short(p.id)} has no agent.provisioned event, so nothing witnesses its region.` },
    'agent.region': { reason: (p) => `agent ${short(p.id)} is in region ${p.actual} but its provisioning event (${seqText(p)}) says ${p.witness}.` },
    'agent.server_region': {
      reason: (p) => `server ${short(p.id)} of agent ${short(p.ref)} is in region ${p.actual ?? '(no server row)'} but the agent's provisioning event (${seqText(p)}) says ${p.witness}.`,
    },
    'agent.tunnel_region': {
      reason: (p) => `tunnel ${short(p.id)} of agent ${short(p.ref)} is in region ${p.actual ?? '(no tunnel row)'} but the agent's provisioning event (${seqText(p)}) says ${p.witness}.`,
    },
    'agent.disk_region': {
      reason: (p) => `disk ${short(p.id)} of agent ${short(p.ref)} is in region ${p.actual ?? '(no disk row)'} but the agent's provisioning event (${seqText(p)}) says ${p.witness}.`,
    },
    'vm.provisioning_event': { reason: (p) => `VM ${short(p.id)} has no vm.provisioned event, so nothing witnesses its region.` },
    'vm.region': { reason: (p) => `VM ${short(p.id)} is in region ${p.actual} but its provisioning event (${seqText(p)}) says ${p.witness}.` },
    'vm.server_region': {
      reason: (p) => `server ${short(p.id)} of VM ${short(p.ref)} is in region ${p.actual ?? '(no server row)'} but the VM's provisioning event (${seqText(p)}) says ${p.witness}.`,
    },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.agents} agent(s) with their servers, tunnels and disks, and all ${f.counts.vms} VM(s) with their servers, are in the region their provisioning event recorded.`,
      { resource: 'table:public.agents' },
      `agents=${f.counts.agents}, vms=${f.counts.vms}`,
    ),
});
