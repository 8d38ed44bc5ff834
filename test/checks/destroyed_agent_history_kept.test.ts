/** destroyed_agent_history_kept: every destroyed agent keeps periods and usage covering its life, provisioning to destroy. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/destroyed-agent-history-kept.ts';
import { checkOf } from './story.ts';
import { A, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('destroyed_agent_history_kept', () => {
  story("clean → a destroyed agent's periods deleted → restored", () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'destroyed.no_history', table: 'public.agent_state_periods', seq: 700 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({
      kind: 'data',
      reason: 'agent 3f2a1b2c… was destroyed (seq 700) but none of its state periods remain.',
      origin: { resource: `row:public.agent_state_periods.agent_id=${A}` },
    });
    expect(run(lifecycle()).status).toBe('pass');
  });
});
