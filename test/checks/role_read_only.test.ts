/** role_read_only: a role holds no effective privilege to write any table. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/role-read-only.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('role_read_only', () => {
  story('clean → INSERT granted to the reader → revoked', () => {
    const s = platformSchema();
    expect(run(S(s), { role: 'trust_reader' }).status).toBe('pass');
    T(s, 'public.agents').grants.push({ grantee: 'trust_reader', privilege: 'INSERT', grantable: false });
    expect(failing(run(S(s), { role: 'trust_reader' }))).toEqual([
      expect.objectContaining({ reason: 'Role `trust_reader` can INSERT on table `public.agents` (effective privilege).', origin: { resource: 'table:public.agents' } }),
    ]);
    T(s, 'public.agents').grants.pop();
    expect(run(S(s), { role: 'trust_reader' }).status).toBe('pass');
  });
});
