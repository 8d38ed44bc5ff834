/** role_not_privileged: a role has no SUPERUSER or BYPASSRLS, owns no table, and belongs to no privileged role. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/role-not-privileged.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('role_not_privileged', () => {
  story('clean → trust_app given BYPASSRLS → taken back', () => {
    const s = platformSchema();
    expect(run(S(s), { role: 'trust_app' }).status).toBe('pass');
    s.roles[0].bypassRls = true;
    expect(failing(run(S(s), { role: 'trust_app' }))[0].reason).toBe('Role `trust_app` has BYPASSRLS: it ignores every row-level security policy.');
    s.roles[0].bypassRls = false;
    expect(run(S(s), { role: 'trust_app' }).status).toBe('pass');
  });

  story('clean → trust_app owns a table → ownership returned', () => {
    const s = platformSchema();
    expect(run(S(s), { role: 'trust_app' }).status).toBe('pass');
    T(s, 'public.agents').owner = 'trust_app';
    expect(failing(run(S(s), { role: 'trust_app' }))[0].origin.resource).toBe('table:public.agents');
    T(s, 'public.agents').owner = 'trust_owner';
    expect(run(S(s), { role: 'trust_app' }).status).toBe('pass');
  });

  story('clean → trust_app a member of a superuser role → membership revoked', () => {
    const s = platformSchema();
    s.roles.push({ ...s.roles[0], name: 'admin', superuser: true, login: false });
    expect(run(S(s), { role: 'trust_app', ownsNoTables: false }).status).toBe('pass');
    s.roles[0].memberOf = ['admin'];
    expect(failing(run(S(s), { role: 'trust_app', ownsNoTables: false }))[0].reason).toBe('Role `trust_app` is a member of `admin`, a superuser role.');
    s.roles[0].memberOf = [];
    expect(run(S(s), { role: 'trust_app', ownsNoTables: false }).status).toBe('pass');
  });
});
