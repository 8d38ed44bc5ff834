import { defineLifecycleCheck, seqText, short } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of a pinned image: each agent's image digest, platform version, environment
 * (its SHA-256) and clone source equal its provisioning event's. Clone does not move an
 * agent: it provisions a new one on the new image, and the source's agent.cloned event
 * names the clone and that image, which the clone must run.
 */
export default defineLifecycleCheck({
  id: 'image_matches_provisioning_event',
  description: 'Every agent runs the image digest, platform version and environment its chained provisioning event recorded; every clone the image its clone event recorded.',
  scope: ['agent'],
  rules: {
    'agent.provisioning_event': { reason: (p) => `agent ${short(p.id)} has no agent.provisioned event, so nothing witnesses its image.` },
    'agent.image_digest': { reason: (p) => `agent ${short(p.id)} runs image ${p.actual} but its provisioning event (${seqText(p)}) says ${p.witness}.` },
    'agent.platform_version': { reason: (p) => `agent ${short(p.id)} is on platform version ${p.actual} but its provisioning event (${seqText(p)}) says ${p.witness}.` },
    'agent.env_sha256': {
      reason: (p) => `agent ${short(p.id)} has an environment (sha256 ${short(p.actual)}) other than the one its provisioning event (${seqText(p)}) recorded (sha256 ${short(p.witness)}).`,
    },
    'agent.cloned_from': { reason: (p) => `agent ${short(p.id)} says it was cloned from ${p.actual ?? 'nothing'} but its provisioning event (${seqText(p)}) says ${p.witness ?? 'nothing'}.` },
    'agent.clone_event': {
      reason: (p) =>
        p.seq === null
          ? `agent ${short(p.id)} is a clone of ${short(p.ref)} but no agent.cloned event of the source names it.`
          : `clone ${short(p.id)} runs image ${p.actual} but the clone event of ${short(p.ref)} (${seqText(p)}) says ${p.witness}.`,
    },
  },
  passing: (f) =>
    pass(
      `All ${f.counts.agents} agent(s) run the image, platform version and environment their provisioning event recorded (clones: the image of their clone event).`,
      { resource: 'column:public.agents.image_digest' },
      `agents=${f.counts.agents}${f.counts.envUnwitnessed ? `, environment without a witness (provisioned before events recorded it)=${f.counts.envUnwitnessed}` : ''}`,
    ),
});
