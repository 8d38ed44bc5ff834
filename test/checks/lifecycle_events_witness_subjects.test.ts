/** lifecycle_events_witness_subjects: every server the provider created or destroyed, and every agent and VM, has the lifecycle event naming it. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/lifecycle-events-witness-subjects.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('lifecycle_events_witness_subjects', () => {
  story("clean → a server's provisioning event gone → the chain restored", () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'server_op.event', table: 'public.provider_operations', ref: 'create_server' })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({
      reason: "the provider's create_server of server 3f2a1b2c… has no lifecycle event naming that server: the event of its provisioning is gone.",
      origin: { resource: `row:public.provider_operations.resource_id=${A}` },
    });
    expect(run(lifecycle()).status).toBe('pass');
  });
});
