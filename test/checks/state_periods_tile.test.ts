/** state_periods_tile: every live agent has one open period; the periods of destroyed or transferred agents neither overlap nor leave gaps. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/state-periods-tile.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('state_periods_tile', () => {
  story("clean → a live agent's open period deleted → re-opened", () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'period.open_count', table: 'public.agent_state_periods', actual: '0 open periods' })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ reason: 'agent 3f2a1b2c… has 0 open periods where its state must be exactly one.', origin: { resource: `row:public.agent_state_periods.agent_id=${A}` } });
    expect(run(lifecycle()).status).toBe('pass');
  });
});
