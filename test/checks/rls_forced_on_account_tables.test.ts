/** rls_forced_on_account_tables: every table with an account column forces row-level security with a current_account_ids() policy. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/rls-forced-on-account-tables.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('rls_forced_on_account_tables', () => {
  story('clean → NO FORCE on agents → forced again', () => {
    const s = platformSchema();
    expect(run(S(s)).status).toBe('pass');
    T(s, 'public.agents').rls.forced = false;
    expect(failing(run(S(s)))).toEqual([expect.objectContaining({ origin: { resource: 'table:public.agents' }, observed: 'relforcerowsecurity=false' })]);
    T(s, 'public.agents').rls.forced = true;
    expect(run(S(s)).status).toBe('pass');
  });

  story('clean → the account policy dropped → restored', () => {
    const s = platformSchema();
    expect(run(S(s)).status).toBe('pass');
    const policies = T(s, 'public.agents').policies;
    T(s, 'public.agents').policies = [];
    expect(failing(run(S(s)))[0].reason).toMatch(/no policy using `current_account_ids\(\)`/);
    T(s, 'public.agents').policies = policies;
    expect(run(S(s)).status).toBe('pass');
  });
});
