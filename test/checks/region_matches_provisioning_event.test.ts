/** region_matches_provisioning_event: every agent and VM, with its server, tunnel and disk, is in the region its provisioning event recorded. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/region-matches-provisioning-event.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('region_matches_provisioning_event', () => {
  story("clean → an agent's region changed → moved back (the row names the object and its witness event)", () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'agent.region', table: 'public.agents', actual: 'eu', witness: 'us', seq: 4812 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0].reason).toBe('agent 3f2a1b2c… is in region eu but its provisioning event (seq 4812) says us.');
    expect(r.findings[0].origin.resource).toBe(`row:public.agents.id=${A}`);
    expect(run(lifecycle()).status).toBe('pass');
  });

  it('judges only its own fields', () => {
    const f = lifecycle([problem({ field: 'agent.image_digest', table: 'public.agents', actual: 'sha256:e', witness: 'sha256:7', seq: 9 })]);
    expect(run(f).status).toBe('pass');
  });
});
