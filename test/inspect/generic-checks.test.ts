/**
 * The generic profile's checks (what used to be collectors/lints), on hand-made facts:
 * pure functions, no database. Each fails on the planted smell and passes a clean schema.
 */
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckResult } from '../../controls/checks/types.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { GENERIC_PROFILE } from '../../controls/checks/profiles.ts';
import { judgeShapes, secretKind } from '../../controls/checks/secrets-not-plaintext.ts';
import type { SecretSample } from '../../collectors/secret-values.ts';
import { table, fn, schemaFacts, appendOnlyTable, refuseFn } from '../checks/schema-fixtures.ts';
import type { SchemaFacts } from '../../collectors/schema.ts';

const run = (id: string, schema: SchemaFacts, samples: SecretSample[] = [], params: Record<string, unknown> = {}): CheckResult =>
  runCheck(findCheck(id)!, { schema, secret_values: { samples } }, params);
const failing = (r: CheckResult) => r.findings.filter((f) => f.status === 'fail');
const failed = (r: CheckResult) => failing(r).map((f) => f.origin.resource);

describe('the generic profile', () => {
  it('lists registered structure checks, each passing on an empty schema with one finding', () => {
    expect(GENERIC_PROFILE.map((e) => e.check.id)).toEqual([
      'audit_tables_immutable',
      'definer_functions_pin_search_path',
      'login_roles_not_privileged',
      'rls_forced_where_enabled',
      'secrets_not_plaintext',
      'tables_have_primary_key',
      'tenant_tables_have_rls',
    ]);
    for (const { check } of GENERIC_PROFILE) {
      expect(findCheck(check.id)).toBe(check);
      expect(check.kind).toBe('structure');
      const r = run(check.id, schemaFacts({ tables: [table('clean')] }));
      expect(r.status, check.id).toBe('pass');
      expect(r.findings[0].origin.resource).toBe('database:test');
    }
  });
});

describe('tenant_tables_have_rls', () => {
  it('fails a table with account_id and no RLS, not one with RLS or without a tenant column', () => {
    const facts = schemaFacts({
      tables: [
        table('public.notes', {
          columns: [
            { name: 'id', type: 'uuid' },
            { name: 'account_id', type: 'uuid' },
          ],
        }),
        table('public.agents', { columns: [{ name: 'id' }, { name: 'account_id', type: 'uuid' }], rls: { enabled: true, forced: true } }),
        table('public.regions', { columns: [{ name: 'id' }, { name: 'location' }] }),
      ],
    });
    const r = run('tenant_tables_have_rls', facts);
    expect(failing(r)).toEqual([
      { status: 'fail', kind: 'structure', origin: { resource: 'table:public.notes' }, reason: 'Table `public.notes` has tenant column `account_id` but row-level security is not enabled.' },
    ]);
    expect(failed(run('tenant_tables_have_rls', facts, [], { tenantColumns: ['location'] }))).toEqual(['table:public.regions']);
  });
});

describe('rls_forced_where_enabled', () => {
  it('fails enabled-but-not-forced only', () => {
    const facts = schemaFacts({ tables: [table('a', { rls: { enabled: true, forced: false } }), table('b', { rls: { enabled: true, forced: true } }), table('c')] });
    expect(failed(run('rls_forced_where_enabled', facts))).toEqual(['table:public.a']);
  });
});

describe('secrets_not_plaintext', () => {
  const t = table('public.users', {
    columns: [
      { name: 'id', type: 'uuid' },
      { name: 'api_token', type: 'text' },
      { name: 'password', type: 'character varying(255)' },
      { name: 'apiKey', type: 'text' },
      { name: 'password_min_length', type: 'integer' },
      { name: 'require_password', type: 'boolean' },
      { name: 'password_expiry_days', type: 'integer' },
      { name: 'password_changed_at', type: 'timestamp with time zone' },
      { name: 'password_hash', type: 'text' },
      { name: 'token_expires_at', type: 'timestamp with time zone' },
      { name: 'reset_token_hash', type: 'text' },
      { name: 'api_key_id', type: 'uuid' },
      { name: 'public_key', type: 'text' },
      { name: 'encrypted_secret', type: 'text' },
      { name: 'token_count', type: 'text' },
      { name: 'token_type', type: 'text' },
      { name: 'tls_psk_identity', type: 'text' },
      { name: 'has_password', type: 'boolean' },
      { name: 'refresh_token', type: 'text' },
    ],
    constraints: [
      { name: 'users_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null },
      { name: 'rt_shape', kind: 'check', columns: ['refresh_token'], definition: "CHECK ((refresh_token ~ '^tev1:'::text))", references: null },
    ],
  });
  const sample = (column: string, shapes: Record<string, number>, key: SecretSample['key'] = null): SecretSample => ({
    schema: 'public',
    table: 'users',
    column,
    key,
    type: 'text',
    sampled: Object.values(shapes).reduce((a, b) => a + b, 0),
    shapes,
  });

  it('without rows: fails textual secret-named columns (structure) and nothing else', () => {
    const r = run('secrets_not_plaintext', schemaFacts({ tables: [t] }));
    expect(failed(r)).toEqual(['column:public.users.api_token', 'column:public.users.password', 'column:public.users.apiKey']);
    expect(failing(r).every((f) => f.kind === 'structure')).toBe(true);
    // The shape CHECK makes refresh_token pass without rows.
    expect(r.findings.find((f) => f.origin.resource === 'column:public.users.refresh_token')?.status).toBe('pass');
  });

  it('with rows: hashes pass, one plaintext value fails, as data, naming shapes and never values', () => {
    const r = run('secrets_not_plaintext', schemaFacts({ tables: [t] }), [
      sample('password', { bcrypt: 3, 'sha512-crypt': 1 }),
      sample('api_token', { 'hex-256bit': 2, other: 1 }),
      sample('apiKey', { 'hex-512bit': 5 }),
    ]);
    expect(failed(r)).toEqual(['column:public.users.api_token']);
    const by = (res: string) => r.findings.find((f) => f.origin.resource === res)!;
    expect(by('column:public.users.api_token')).toMatchObject({ kind: 'data', observed: 'sampled 3: hex-256bit 2, other 1' });
    expect(by('column:public.users.api_token').reason).toBe('Column `public.users.api_token` (text) holds plaintext secrets: 1 of 3 sampled values are not a hash or reference.');
    expect(by('column:public.users.password')).toMatchObject({ status: 'pass', kind: 'data' });
  });

  it('attribute/value rows are judged per attribute by its name', () => {
    const r = run('secrets_not_plaintext', schemaFacts({ tables: [t] }), [
      sample('value', { other: 2 }, { column: 'attribute', value: 'Cleartext-Password' }),
      sample('value', { 'md5-crypt': 1 }, { column: 'attribute', value: 'Password-With-Header' }),
      sample('value', { 'hex-128bit': 1 }, { column: 'attribute', value: 'NT-Password' }),
    ]);
    expect(failed(r)).toContain('column:public.users.value[attribute=Cleartext-Password]');
    expect(r.findings.find((f) => f.origin.resource === 'column:public.users.value[attribute=Password-With-Header]')?.status).toBe('pass');
    expect(r.findings.some((f) => f.origin.resource.includes('NT-Password'))).toBe(false);
  });

  it('names: settings, timestamps and descriptions are not secrets; glued names are', () => {
    for (const n of [
      'password_min_length',
      'require_password',
      'password_expiry_days',
      'password_changed_at',
      'passwd_check_rules',
      'tls_psk_identity',
      'token_type',
      'publickey',
      'ssl_key_file',
      'key_',
      'Crypt-Password',
    ])
      expect(secretKind(n), n).toBe(null);
    expect(secretKind('snmpv3_authpassphrase')).toBe('password');
    expect(secretKind('privpassphrase')).toBe('password');
    expect(secretKind('ssl_key_password')).toBe('password');
    expect(secretKind('pass')).toBe('password');
    expect(secretKind('tls_psk')).toBe('key');
    expect(secretKind('privatekey')).toBe('key');
    expect(secretKind('session_key')).toBe('key');
    expect(secretKind('clientSecret')).toBe('key');
    expect(secretKind('api_key')).toBe('token');
  });

  it('a key cannot be hashed: hex is the key itself; a file name is a reference', () => {
    expect(judgeShapes('key', { 'hex-256bit': 1 }).verdict).toBe('plaintext');
    expect(judgeShapes('password', { 'hex-256bit': 1 }).verdict).toBe('hashed');
    expect(judgeShapes('key', { 'file-reference': 2 }).verdict).toBe('reference');
    expect(judgeShapes('password', {}).verdict).toBe('unsampled');
    expect(judgeShapes('token', { 'pem-private-key': 1 }).verdict).toBe('plaintext');
  });
});

describe('audit_tables_immutable', () => {
  it('fails an audit-like table without a refusing trigger, not one with it, not a non-audit table', () => {
    const open = table('public.audit_log', { grants: [{ grantee: 'app', privilege: 'UPDATE', grantable: false }] });
    const facts = schemaFacts({ tables: [open, appendOnlyTable('public.audit_events'), table('public.catalog')], functions: [refuseFn()] });
    expect(failing(run('audit_tables_immutable', facts))).toEqual([
      {
        status: 'fail',
        kind: 'structure',
        origin: { resource: 'table:public.audit_log' },
        reason: 'Audit-like table `public.audit_log` has no trigger that refuses UPDATE, so role(s) `app` can rewrite its rows.',
      },
    ]);
  });
  it('a disabled or conditional trigger does not protect the table', () => {
    const t = appendOnlyTable('public.event_history');
    t.triggers[0].enabled = 'D';
    const c = appendOnlyTable('public.login_events');
    c.triggers[0].conditional = true;
    expect(failed(run('audit_tables_immutable', schemaFacts({ tables: [t, c], functions: [refuseFn()] })))).toEqual(['table:public.event_history', 'table:public.login_events']);
  });
});

describe('definer_functions_pin_search_path', () => {
  it('fails SECURITY DEFINER without search_path only', () => {
    const facts = schemaFacts({
      functions: [fn('public.bad', { securityDefiner: true, arguments: 'uuid' }), fn('public.good', { securityDefiner: true, config: ['search_path=pg_catalog, public'] }), fn('public.invoker')],
    });
    expect(failed(run('definer_functions_pin_search_path', facts))).toEqual(['function:public.bad(uuid)']);
  });
});

describe('login_roles_not_privileged', () => {
  it('fails login roles with SUPERUSER or BYPASSRLS, not the install superuser nor NOLOGIN roles', () => {
    const role = (name: string, o: object) => ({ name, login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [], ...o });
    const facts = schemaFacts({ roles: [role('postgres', { superuser: true, bootstrap: true }), role('app', { bypassRls: true }), role('ops', { superuser: true, login: false }), role('web', {})] });
    expect(failing(run('login_roles_not_privileged', facts))).toEqual([
      { status: 'fail', kind: 'structure', origin: { resource: 'role:app' }, reason: 'Login role `app` has BYPASSRLS, so it bypasses row-level security.' },
    ]);
  });
});

describe('tables_have_primary_key', () => {
  it('fails tables without a primary key, not views', () => {
    const facts = schemaFacts({ tables: [table('a', { constraints: [] }), table('v', { kind: 'view', constraints: [] }), table('b')] });
    expect(failed(run('tables_have_primary_key', facts))).toEqual(['table:public.a']);
  });
});
