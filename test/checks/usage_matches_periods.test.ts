/** usage_matches_periods: a destroyed or transferred agent's daily usage per account adds up to its closed periods there. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/usage-matches-periods.ts';
import { checkOf } from './story.ts';
import { lifecycle, problem } from './lifecycle-fixtures.ts';

const { run, story } = checkOf(check);

describe('usage_matches_periods', () => {
  story('clean → usage rows that do not add up (25 of them, some not listed) → rebooked', () => {
    const clean = run(lifecycle());
    expect(clean.status).toBe('pass');
    expect(clean.findings[0].kind).toBe('data');
    const f = lifecycle([problem({ field: 'usage.seconds', table: 'public.agent_usage_daily', ref: '9a9a9a9a-0000-4000-8000-000000000002', actual: '0', witness: '3600' })], { 'usage.seconds': 25 });
    const r = run(f);
    // Says how many more problems there are than listed.
    expect(r.findings.map((x) => x.reason)).toEqual([
      `agent 3f2a1b2c… has 0 s of usage booked to account 9a9a9a9a…, but its closed periods under that account total 3600 s.`,
      '24 more problem(s) of the same kind (usage.seconds) are not listed.',
    ]);
    expect(run(lifecycle()).status).toBe('pass');
  });
});
