/** password_hashes_strong: every password hash is bcrypt at the minimum cost or above. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/password-hashes-strong.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('password_hashes_strong', () => {
  story('clean → a cost-10 hash and a non-bcrypt value → rehashed at cost 12', () => {
    expect(run({ identity: F.identity() }, { minCost: 12 }).status).toBe('pass');
    const i = F.identity();
    i.passwords.byCost.push({ cost: 10, count: 1 });
    i.passwords.notBcrypt = 1;
    expect(failing(run({ identity: i }, { minCost: 12 })).map((f) => f.reason)).toEqual([
      '1 of 3 value(s) of `public.users.password_hash` are not bcrypt hashes.',
      '1 password hash(es) in `public.users.password_hash` use bcrypt cost 10, below 12.',
    ]);
    i.passwords.byCost = [{ cost: 12, count: 3 }];
    i.passwords.notBcrypt = 0;
    expect(run({ identity: i }, { minCost: 12 }).status).toBe('pass');
  });
});
