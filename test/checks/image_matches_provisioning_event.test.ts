/** image_matches_provisioning_event: every agent runs the image, platform version and environment its provisioning event recorded. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/image-matches-provisioning-event.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('image_matches_provisioning_event', () => {
  story("clean → an agent's image changed → the recorded image restored", () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'agent.image_digest', table: 'public.agents', actual: 'sha256:e', witness: 'sha256:7', seq: 9 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0].origin.resource).toBe(`row:public.agents.id=${A}`);
    expect(run(lifecycle()).status).toBe('pass');
  });
});
