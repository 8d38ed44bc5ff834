/**
 * The lifecycle data checks over fact fixtures: a clean platform passes with counts; a
 * problem becomes a failing `data` finding that names the object and its witness event,
 * with the row as origin; a field with more problems than listed says how many more.
 */
import { describe, expect, it } from 'vitest';
import { findCheck } from '../../controls/checks/registry.ts';
import { runCheck } from '../../controls/checks/types.ts';
import type { LifecycleFacts, LifecycleProblem } from '../../collectors/lifecycle.ts';

const A = '3f2a1b2c-0000-4000-8000-000000000001';
const ACC = '9a9a9a9a-0000-4000-8000-000000000002';
const counts: LifecycleFacts['counts'] = {
  agents: 90, vms: 10, historySubjects: 16, periods: 1600, usageRows: 900, openPeriods: 90, providerServerOps: 200,
  agentSecrets: 270, destroyedAgents: 10, transferredAgents: 6, transfers: 6, transferredPeriods: 600, envUnwitnessed: 0,
};
const facts = (problems: LifecycleProblem[], total?: Record<string, number>): { lifecycle: LifecycleFacts } => {
  const byField = new Map<string, number>();
  for (const p of problems) byField.set(p.field, (byField.get(p.field) ?? 0) + 1);
  for (const [k, v] of Object.entries(total ?? {})) byField.set(k, v);
  return { lifecycle: { counts, problems, problemCounts: [...byField].map(([field, count]) => ({ field, count })) } };
};
const problem = (p: Partial<LifecycleProblem> & Pick<LifecycleProblem, 'field' | 'table'>): LifecycleProblem =>
  ({ id: A, ref: null, actual: null, witness: null, seq: null, ...p });
const run = (check: string, f: ReturnType<typeof facts>, params: Record<string, unknown> = {}) => runCheck(findCheck(check)!, f, params);

describe('lifecycle data checks', () => {
  const all = ['region_matches_provisioning_event', 'image_matches_provisioning_event', 'destroyed_agent_history_kept', 'usage_matches_periods',
    'history_attributed_to_owner', 'state_periods_tile', 'destroyed_agent_remains_removed', 'lifecycle_events_witness_subjects'];

  it('pass on a clean platform, as data proofs', () => {
    for (const id of all) {
      const r = run(id, facts([]));
      expect(r.status, id).toBe('pass');
      expect(r.findings[0].kind).toBe('data');
    }
    expect(run('resources_dedicated_in_rows', facts([]), { holder: 'vm' }).status).toBe('pass');
  });

  it('name the object and the witness event', () => {
    const r = run('region_matches_provisioning_event', facts([problem({ field: 'agent.region', table: 'public.agents', actual: 'eu', witness: 'us', seq: 4812 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0].reason).toBe('agent 3f2a1b2c… is in region eu but its provisioning event (seq 4812) says us.');
    expect(r.findings[0].origin.resource).toBe(`row:public.agents.id=${A}`);
  });

  it('judge only their own fields', () => {
    const f = facts([problem({ field: 'agent.image_digest', table: 'public.agents', actual: 'sha256:e', witness: 'sha256:7', seq: 9 })]);
    expect(run('region_matches_provisioning_event', f).status).toBe('pass');
    expect(run('image_matches_provisioning_event', f).status).toBe('fail');
  });

  it('say how many more problems than listed there are', () => {
    const f = facts([problem({ field: 'usage.seconds', table: 'public.agent_usage_daily', ref: ACC, actual: '0', witness: '3600' })], { 'usage.seconds': 25 });
    const r = run('usage_matches_periods', f);
    expect(r.findings.map((x) => x.reason)).toEqual([
      `agent 3f2a1b2c… has 0 s of usage booked to account 9a9a9a9a…, but its closed periods under that account total 3600 s.`,
      '24 more problem(s) of the same kind (usage.seconds) are not listed.',
    ]);
  });

  it('dedication is judged per holder', () => {
    const f = facts([problem({ field: 'server.kind', table: 'public.servers', ref: `vm ${A}`, actual: 'agent', witness: 'vm' })]);
    expect(run('resources_dedicated_in_rows', f, { holder: 'vm' }).status).toBe('fail');
    expect(run('resources_dedicated_in_rows', f, { holder: 'agent' }).status).toBe('pass');
  });
});
