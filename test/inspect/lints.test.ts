import { describe, expect, it } from 'vitest';
import { runLints, LINTS } from '../../collectors/lints/registry.ts';
import { table, fn, schemaFacts, appendOnlyTable, refuseFn } from '../checks/schema-fixtures.ts';
import type { SchemaFacts } from '../../collectors/schema.ts';

const lint = (id: string, facts: SchemaFacts) => LINTS.find((l) => l.id === id)!.run(facts);

describe('tenant_table_without_rls', () => {
  it('flags a table with account_id and no RLS, not one with RLS or without a tenant column', () => {
    const facts = schemaFacts({
      tables: [
        table('public.notes', { columns: [{ name: 'id', type: 'uuid' }, { name: 'account_id', type: 'uuid' }] }),
        table('public.agents', { columns: [{ name: 'id' }, { name: 'account_id', type: 'uuid' }], rls: { enabled: true, forced: true } }),
        table('public.regions', { columns: [{ name: 'id' }, { name: 'location' }] }),
      ],
    });
    expect(lint('tenant_table_without_rls', facts)).toEqual([
      { lint: 'tenant_table_without_rls', resource: 'table:public.notes', reason: 'Table `public.notes` has tenant column `account_id` but row-level security is not enabled.' },
    ]);
  });
});

describe('rls_not_forced', () => {
  it('flags enabled-but-not-forced only', () => {
    const facts = schemaFacts({ tables: [table('a', { rls: { enabled: true, forced: false } }), table('b', { rls: { enabled: true, forced: true } }), table('c')] });
    expect(lint('rls_not_forced', facts).map((f) => f.resource)).toEqual(['table:public.a']);
  });
});

describe('plaintext_secret_column', () => {
  const t = table('public.users', {
    columns: [
      { name: 'id', type: 'uuid' },
      { name: 'api_token', type: 'text' },
      { name: 'password', type: 'character varying(255)' },
      { name: 'apiKey', type: 'text' },
      { name: 'password_min_length', type: 'integer' },
      { name: 'password_hash', type: 'text' },
      { name: 'token_expires_at', type: 'timestamp with time zone' },
      { name: 'reset_token_hash', type: 'text' },
      { name: 'api_key_id', type: 'uuid' },
      { name: 'public_key', type: 'text' },
      { name: 'encrypted_secret', type: 'text' },
      { name: 'token_count', type: 'text' },
      { name: 'has_password', type: 'boolean' },
      { name: 'refresh_token', type: 'text' },
    ],
    constraints: [
      { name: 'users_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null },
      { name: 'rt_shape', kind: 'check', columns: ['refresh_token'], definition: "CHECK ((refresh_token ~ '^tev1:'::text))", references: null },
    ],
  });
  it('flags textual secret-named columns and nothing else', () => {
    expect(lint('plaintext_secret_column', schemaFacts({ tables: [t] })).map((f) => f.resource)).toEqual([
      'column:public.users.api_token',
      'column:public.users.password',
      'column:public.users.apiKey',
    ]);
  });
  it('does not flag an integer password_min_length', () => {
    const only = table('settings', { columns: [{ name: 'id' }, { name: 'password_min_length', type: 'integer' }] });
    expect(lint('plaintext_secret_column', schemaFacts({ tables: [only] }))).toEqual([]);
  });
  it('names the column and type in its reason', () => {
    const [f] = lint('plaintext_secret_column', schemaFacts({ tables: [table('s', { columns: [{ name: 'id' }, { name: 'secret', type: 'character varying(255)' }] })] }));
    expect(f.reason).toBe('Column `public.s.secret` (character varying(255)) is named like a secret and nothing shows it holds a hash or ciphertext rather than plain text.');
  });
});

describe('mutable_audit_table', () => {
  it('flags an audit-like table without a refusing trigger, not one with it, not a non-audit table', () => {
    const open = table('public.audit_log', { grants: [{ grantee: 'app', privilege: 'UPDATE', grantable: false }] });
    const facts = schemaFacts({ tables: [open, appendOnlyTable('public.audit_events'), table('public.catalog')], functions: [refuseFn()] });
    expect(lint('mutable_audit_table', facts)).toEqual([
      { lint: 'mutable_audit_table', resource: 'table:public.audit_log', reason: 'Audit-like table `public.audit_log` has no trigger that refuses UPDATE, so role(s) `app` can rewrite its rows.' },
    ]);
  });
  it('a disabled or conditional trigger does not protect the table', () => {
    const t = appendOnlyTable('public.event_history');
    t.triggers[0].enabled = 'D';
    const c = appendOnlyTable('public.login_events');
    c.triggers[0].conditional = true;
    const found = lint('mutable_audit_table', schemaFacts({ tables: [t, c], functions: [refuseFn()] })).map((f) => f.resource);
    expect(found).toEqual(['table:public.event_history', 'table:public.login_events']);
  });
});

describe('security_definer_search_path', () => {
  it('flags SECURITY DEFINER without search_path only', () => {
    const facts = schemaFacts({
      functions: [
        fn('public.bad', { securityDefiner: true, arguments: 'uuid' }),
        fn('public.good', { securityDefiner: true, config: ['search_path=pg_catalog, public'] }),
        fn('public.invoker'),
      ],
    });
    expect(lint('security_definer_search_path', facts).map((f) => f.resource)).toEqual(['function:public.bad(uuid)']);
  });
});

describe('privileged_login_role', () => {
  it('flags login roles with SUPERUSER or BYPASSRLS, not the install superuser nor NOLOGIN roles', () => {
    const role = (name: string, o: object) => ({ name, login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [], ...o });
    const facts = schemaFacts({
      roles: [role('postgres', { superuser: true, bootstrap: true }), role('app', { bypassRls: true }), role('ops', { superuser: true, login: false }), role('web', {})],
    });
    expect(lint('privileged_login_role', facts)).toEqual([{ lint: 'privileged_login_role', resource: 'role:app', reason: 'Login role `app` has BYPASSRLS, so it bypasses row-level security.' }]);
  });
});

describe('table_without_primary_key', () => {
  it('flags tables without a primary key, not views', () => {
    const facts = schemaFacts({ tables: [table('a', { constraints: [] }), table('v', { kind: 'view', constraints: [] }), table('b')] });
    expect(lint('table_without_primary_key', facts).map((f) => f.resource)).toEqual(['table:public.a']);
  });
});

describe('runLints', () => {
  it('sorts findings by lint then resource and returns nothing for a clean schema', () => {
    expect(runLints(schemaFacts({ tables: [table('clean')] }))).toEqual([]);
    const f = runLints(schemaFacts({ tables: [table('z', { constraints: [] }), table('a', { constraints: [], rls: { enabled: true, forced: false } })] }));
    expect(f.map((x) => `${x.lint} ${x.resource}`)).toEqual(['rls_not_forced table:public.a', 'table_without_primary_key table:public.a', 'table_without_primary_key table:public.z']);
  });
});
