/** resources_dedicated_in_rows: no two holders share a server (agents: a tunnel or disk), servers are of their holder's kind, judged per holder. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/resources-dedicated-in-rows.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('resources_dedicated_in_rows', () => {
  story("clean → a VM's server relabelled as an agent's (judged per holder) → relabelled back", () => {
    const clean = run(lifecycle(), { holder: 'vm' });
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const f = lifecycle([problem({ field: 'server.kind', table: 'public.servers', ref: `vm ${A}`, actual: 'agent', witness: 'vm' })]);
    expect(run(f, { holder: 'vm' }).status).toBe('fail');
    expect(run(f, { holder: 'agent' }).status).toBe('pass');
    expect(run(lifecycle(), { holder: 'vm' }).status).toBe('pass');
  });
});
