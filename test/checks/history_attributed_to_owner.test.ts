/** history_attributed_to_owner: every period of a transferred agent, and every agent, belongs to the account its events give it. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/history-attributed-to-owner.ts';
import { checkOf } from './story.ts';
import { A, ACC, lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('history_attributed_to_owner', () => {
  story('clean → an agent handed to another account without a transfer → handed back', () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const r = run(lifecycle([problem({ field: 'agent.account_id', table: 'public.agents', actual: ACC, witness: 'b1b1b1b1-0000-4000-8000-000000000003', seq: 12 })]));
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({
      reason: 'agent 3f2a1b2c… belongs to account 9a9a9a9a… but its events (seq 12) give it to account b1b1b1b1….',
      origin: { resource: `row:public.agents.id=${A}` },
    });
    expect(run(lifecycle()).status).toBe('pass');
  });
});
