/** destroyed_agent_remains_removed: no secret, open period or row remains for an agent that is gone. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/destroyed-agent-remains-removed.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('destroyed_agent_remains_removed', () => {
  story('clean → a secret left for a destroyed agent → deleted', () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'secret.agent_gone', table: 'public.agent_secrets', actual: '1 secret(s)', seq: 701 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ reason: 'agent 3f2a1b2c… was destroyed (seq 701) but 1 secret(s) remain for it.', origin: { resource: `row:public.agent_secrets.agent_id=${A}` } });
    expect(run(lifecycle()).status).toBe('pass');
  });
});
