import { z } from 'zod';
import type { LifecycleProblem } from '../../collectors/lifecycle.ts';
import { defineCheck } from './types.ts';
import { lifecycleOf, problemFindings, seqText, short, type FieldRule } from './lifecycle-findings.ts';
import { pass } from './helpers.ts';

/**
 * Data proof of dedication: no server, tunnel or disk is held by two live agents or VMs,
 * each server's kind is that of its holder, and each holder still has the server (tunnel,
 * disk) its provisioning event recorded.
 */
export default defineCheck({
  id: 'resources_dedicated_in_rows',
  kind: 'data',
  description:
    "No two live agents or VMs share a server (agents: a tunnel or a disk either), every server is of its holder's kind, and every holder keeps the resources its chained provisioning event recorded.",
  collectors: ['lifecycle'],
  scope: (p) => [p.holder],
  params: z.object({ /** Whose resources: agents (server, tunnel, disk) or VMs (server). */ holder: z.enum(['agent', 'vm']) }).strict(),
  evaluate(facts, { holder }) {
    const f = lifecycleOf(facts);
    const mine = (p: { actual: string | null; ref: string | null; field: string }) =>
      !p.field.endsWith('.shared') && p.field !== 'server.kind'
        ? true
        : p.field === 'server.kind'
          ? (p.ref ?? '').startsWith(`${holder} `)
          : (p.actual ?? '').split(', ').some((h) => h.startsWith(`${holder} `));
    const shared = (what: string) => ({ reason: (p: { id: string; actual: string | null }) => `${what} ${short(p.id)} is held by more than one: ${p.actual}.` });
    const own = (what: string, label: string) => ({
      reason: (p: LifecycleProblem) => `${label} ${short(p.id)} holds ${what} ${short(p.actual)} but its provisioning event (${seqText(p)}) says ${short(p.witness)}.`,
    });
    const rules: Record<string, FieldRule> =
      holder === 'agent'
        ? {
            'server.shared': shared('server'),
            'tunnel.shared': shared('tunnel'),
            'disk.shared': shared('disk'),
            'server.kind': {
              reason: (p: { id: string; ref: string | null; actual: string | null; witness: string | null }) =>
                `server ${short(p.id)} of ${p.ref} is of kind ${p.actual ?? '(no server row)'}, not ${p.witness}.`,
            },
            'agent.server_id': own('server', 'agent'),
            'agent.tunnel_id': own('tunnel', 'agent'),
            'agent.disk_id': own('disk', 'agent'),
          }
        : {
            'server.shared': shared('server'),
            'server.kind': {
              reason: (p: { id: string; ref: string | null; actual: string | null; witness: string | null }) =>
                `server ${short(p.id)} of ${p.ref} is of kind ${p.actual ?? '(no server row)'}, not ${p.witness}.`,
            },
            'vm.server_id': own('server', 'VM'),
          };
    const out = problemFindings(f, rules, mine);
    if (out.length) return out;
    const n = holder === 'agent' ? f.counts.agents : f.counts.vms;
    return [
      pass(
        holder === 'agent'
          ? `All ${n} live agent(s) hold a server, tunnel and disk of their own, the ones their provisioning event recorded.`
          : `All ${n} live VM(s) hold a server of their own, the one their provisioning event recorded.`,
        { resource: holder === 'agent' ? 'table:public.agents' : 'table:public.vms' },
        `${holder}s=${n}`,
      ),
    ];
  },
});
