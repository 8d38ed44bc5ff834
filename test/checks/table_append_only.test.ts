/** table_append_only: no role may change or delete a table's rows, and its guard triggers refuse it for everyone. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/table-append-only.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('table_append_only', () => {
  story('clean → UPDATE granted to trust_app → revoked', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'audit_events', roles: ['trust_app', 'trust_reader'] }).status).toBe('pass');
    T(s, 'public.audit_events').grants.push({ grantee: 'trust_app', privilege: 'UPDATE', grantable: false });
    const r = run(S(s), { table: 'audit_events', roles: ['trust_app'] });
    expect(failing(r)).toEqual([expect.objectContaining({ reason: 'Role `trust_app` can UPDATE `public.audit_events` (UPDATE granted to it directly).', origin: { resource: 'role:trust_app' } })]);
    T(s, 'public.audit_events').grants.pop();
    expect(run(S(s), { table: 'audit_events', roles: ['trust_app'] }).status).toBe('pass');
  });

  story('clean → the TRUNCATE guard disabled → enabled again', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'audit_events' }).status).toBe('pass');
    T(s, 'public.audit_events').triggers[1].enabled = 'D';
    expect(failing(run(S(s), { table: 'audit_events' }))[0].origin.resource).toBe('table:public.audit_events');
    T(s, 'public.audit_events').triggers[1].enabled = 'A';
    expect(run(S(s), { table: 'audit_events' }).status).toBe('pass');
  });

  it('a table that does not exist is named', () => {
    expect(run(S(platformSchema()), { table: 'nope' }).findings[0].reason).toBe('Table `public.nope` does not exist.');
  });
});
