/** purged_accounts_empty: no row of a purged account remains in any table. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/purged-accounts-empty.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('purged_accounts_empty', () => {
  story('clean → sessions of a purged account left → purged', () => {
    expect(run({ privacy: F.privacy() }).status).toBe('pass');
    const p = F.privacy();
    p.purgeLeftovers = [{ request: 'r1', account: 'acc1', requestAgeDays: 40, completed: true, table: 'public.sessions', rows: 2 }];
    expect(failing(run({ privacy: p }))[0]).toMatchObject({ origin: { resource: 'table:public.sessions' }, kind: 'data' });
    p.purgeLeftovers = [];
    expect(run({ privacy: p }).status).toBe('pass');
  });
});
