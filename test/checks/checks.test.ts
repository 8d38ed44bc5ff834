/**
 * Every registered check, with facts that pass and facts that fail. Checks are pure:
 * these tests need no database. A failing finding must name its origin.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS, findCheck } from '../../controls/checks/registry.ts';
import { runCheck, type CheckResult } from '../../controls/checks/types.ts';
import type { FactSet } from '../../collectors/types.ts';
import { appendOnlyTable, fn, refuseFn, schemaFacts, table } from './schema-fixtures.ts';
import * as F from './fact-fixtures.ts';
import type { SchemaFacts } from '../../collectors/schema.ts';
import { accessFacts } from './access-fixtures.ts';

const tested = new Set<string>();
function check(id: string, facts: FactSet, params: Record<string, unknown> = {}): CheckResult {
  tested.add(id);
  const def = findCheck(id);
  if (!def) throw new Error(`no check ${id}`);
  return runCheck(def, facts, params);
}
const failing = (r: CheckResult) => r.findings.filter((f) => f.status === 'fail');
// Access facts (effective privileges, memberships) follow from the schema's grants and roles.
const S = (s: SchemaFacts) => ({ schema: s, access: accessFacts(s) });

/** A platform-like schema in which every schema check passes. */
function goodSchema(): SchemaFacts {
  const guardFn = fn('public.reject_region_change', { source: "BEGIN IF NEW.region IS DISTINCT FROM OLD.region THEN RAISE EXCEPTION 'fixed'; END IF; RETURN NEW; END" });
  const accountsFn = fn('public.current_account_ids', { language: 'sql', returns: 'uuid[]', source: "SELECT coalesce(string_to_array(nullif(current_setting('trust.account_ids', true), ''), ',')::uuid[], '{}')" });
  const chainFn = fn('public.audit_chain_event', { source: 'BEGIN NEW.hash := sha256(v_prev || x); RETURN NEW; END' });
  const audit = appendOnlyTable('public.audit_events');
  audit.triggers.push({ name: 'audit_events_chain', function: 'public.audit_chain_event', enabled: 'O', timing: 'before', level: 'row', events: ['insert'], conditional: false, updateColumns: [], definition: '' });
  audit.grants = [{ grantee: 'trust_app', privilege: 'INSERT', grantable: false }, { grantee: 'trust_app', privilege: 'SELECT', grantable: false }, { grantee: 'trust_reader', privilege: 'SELECT', grantable: false }];
  const policy = { name: 'account_isolation', permissive: true, roles: ['PUBLIC'], command: 'all', using: 'account_id = ANY (current_account_ids())', withCheck: null };
  audit.rls = { enabled: true, forced: true };
  audit.policies = [policy];
  const agents = table('public.agents', {
    rls: { enabled: true, forced: true },
    policies: [policy],
    columns: [{ name: 'id', type: 'uuid' }, { name: 'account_id', type: 'uuid', notNull: true }, { name: 'region', type: 'text', notNull: true }, { name: 'server_id', type: 'uuid', notNull: true }],
    constraints: [
      { name: 'agents_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null },
      { name: 'agents_server_id_key', kind: 'unique', columns: ['server_id'], definition: 'UNIQUE (server_id)', references: null },
      { name: 'agents_account_id_fkey', kind: 'foreign_key', columns: ['account_id'], definition: 'FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE', references: { table: 'public.accounts', columns: ['id'], onDelete: 'cascade', onUpdate: 'no_action' } },
      { name: 'agents_region_check', kind: 'check', columns: ['region'], definition: "CHECK ((region ~ '^[a-z]+$'::text))", references: null },
      { name: 'agents_no_overlap', kind: 'exclusion', columns: ['account_id', 'region'], definition: 'EXCLUDE USING gist (account_id WITH =, region WITH =)', references: null },
    ],
    indexes: [{ name: 'agents_live_server', unique: true, primary: false, partial: true, definition: 'CREATE UNIQUE INDEX agents_live_server ON public.agents USING btree (server_id) WHERE (alive)' }],
    triggers: [{ name: 'agents_region_fixed', function: 'public.reject_region_change', enabled: 'A', timing: 'before', level: 'row', events: ['update'], conditional: false, updateColumns: [], definition: '' }],
  });
  const keys = table('public.ssh_public_keys', { columns: [{ name: 'id', type: 'uuid' }, { name: 'public_key', type: 'text', comment: 'public key, not a secret: stored in plaintext on purpose' }] });
  const usage = table('public.llm_usage_daily', { rls: { enabled: true, forced: true }, policies: [policy], columns: [{ name: 'account_id', type: 'uuid' }, { name: 'model', type: 'character varying(64)' }, { name: 'requests', type: 'bigint' }] });
  return schemaFacts({
    tables: [agents, audit, keys, usage, table('public.accounts')],
    functions: [refuseFn(), guardFn, chainFn, accountsFn],
    roles: [
      { name: 'trust_app', login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] },
      { name: 'trust_reader', login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] },
    ],
  });
}
const T = (s: SchemaFacts, name: string) => s.tables.find((t) => `${t.schema}.${t.name}` === name)!;

describe('schema checks', () => {
  it('table_append_only', () => {
    expect(check('table_append_only', S(goodSchema()), { table: 'audit_events', roles: ['trust_app', 'trust_reader'] }).status).toBe('pass');
    const granted = goodSchema();
    T(granted, 'public.audit_events').grants.push({ grantee: 'trust_app', privilege: 'UPDATE', grantable: false });
    const r = check('table_append_only', S(granted), { table: 'audit_events', roles: ['trust_app'] });
    expect(failing(r)).toEqual([expect.objectContaining({ reason: 'Role `trust_app` can UPDATE `public.audit_events` (UPDATE granted to it directly).', origin: { resource: 'role:trust_app' } })]);
    const disabled = goodSchema();
    T(disabled, 'public.audit_events').triggers[1].enabled = 'D';
    expect(failing(check('table_append_only', S(disabled), { table: 'audit_events' }))[0].origin.resource).toBe('table:public.audit_events');
    expect(check('table_append_only', S(goodSchema()), { table: 'nope' }).findings[0].reason).toBe('Table `public.nope` does not exist.');
  });

  it('rls_forced_on_account_tables', () => {
    expect(check('rls_forced_on_account_tables', S(goodSchema())).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.agents').rls.forced = false;
    expect(failing(check('rls_forced_on_account_tables', S(s)))).toEqual([expect.objectContaining({ origin: { resource: 'table:public.agents' }, observed: 'relforcerowsecurity=false' })]);
    const nopolicy = goodSchema();
    T(nopolicy, 'public.agents').policies = [];
    expect(failing(check('rls_forced_on_account_tables', S(nopolicy)))[0].reason).toMatch(/no policy using `current_account_ids\(\)`/);
  });

  it('role_not_privileged', () => {
    expect(check('role_not_privileged', S(goodSchema()), { role: 'trust_app' }).status).toBe('pass');
    const s = goodSchema();
    s.roles[0].bypassRls = true;
    expect(failing(check('role_not_privileged', S(s), { role: 'trust_app' }))[0].reason).toBe('Role `trust_app` has BYPASSRLS: it ignores every row-level security policy.');
    const owner = goodSchema();
    T(owner, 'public.agents').owner = 'trust_app';
    expect(failing(check('role_not_privileged', S(owner), { role: 'trust_app' }))[0].origin.resource).toBe('table:public.agents');
    const member = goodSchema();
    member.roles.push({ ...member.roles[0], name: 'admin', superuser: true, login: false });
    member.roles[0].memberOf = ['admin'];
    expect(failing(check('role_not_privileged', S(member), { role: 'trust_app', ownsNoTables: false }))[0].reason).toBe('Role `trust_app` is a member of `admin`, a superuser role.');
  });

  it('role_read_only', () => {
    expect(check('role_read_only', S(goodSchema()), { role: 'trust_reader' }).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.agents').grants.push({ grantee: 'trust_reader', privilege: 'INSERT', grantable: false });
    expect(failing(check('role_read_only', S(s), { role: 'trust_reader' }))).toEqual([expect.objectContaining({ reason: 'Role `trust_reader` can INSERT on table `public.agents` (effective privilege).', origin: { resource: 'table:public.agents' } })]);
  });

  it('exclusion_constraint', () => {
    expect(check('exclusion_constraint', S(goodSchema()), { table: 'agents', columns: ['region', 'account_id'] }).status).toBe('pass');
    const r = check('exclusion_constraint', S(goodSchema()), { table: 'agents', columns: ['server_id'] });
    expect(failing(r)[0].reason).toBe('Table `public.agents` has no exclusion constraint over (server_id).');
  });

  it('unique_constraint (constraint, partial index only when allowed)', () => {
    expect(check('unique_constraint', S(goodSchema()), { table: 'agents', columns: ['server_id'] }).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.agents').constraints.splice(1, 1);
    expect(check('unique_constraint', S(s), { table: 'agents', columns: ['server_id'] }).status).toBe('fail');
    expect(check('unique_constraint', S(s), { table: 'agents', columns: ['server_id'], allowPartial: true }).findings[0].origin.resource).toBe('index:public.agents_live_server');
  });

  it('column_guarded_immutable', () => {
    expect(check('column_guarded_immutable', S(goodSchema()), { table: 'agents', column: 'region' }).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.agents').triggers[0].enabled = 'D';
    expect(failing(check('column_guarded_immutable', S(s), { table: 'agents', column: 'region' }))[0]).toMatchObject({ origin: { resource: 'trigger:public.agents.agents_region_fixed' }, observed: 'enabled=D' });
    expect(check('column_guarded_immutable', S(goodSchema()), { table: 'agents', column: 'server_id' }).status).toBe('fail');
  });

  it('no_content_columns', () => {
    const params = { columnPattern: 'body|prompt', unboundedTextIn: '^public\\.llm_usage_daily$' };
    expect(check('no_content_columns', S(goodSchema()), params).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.llm_usage_daily').columns.push({ name: 'notes', type: 'text', notNull: false, default: null, comment: null }, { name: 'prompt', type: 'character varying(100)', notNull: false, default: null, comment: null });
    expect(failing(check('no_content_columns', S(s), params)).map((f) => f.origin.resource)).toEqual(['column:public.llm_usage_daily.notes', 'column:public.llm_usage_daily.prompt']);
    // Every table is in scope: a body column on a table no pattern names fails too.
    const other = goodSchema();
    T(other, 'public.agents').columns.push({ name: 'request_body', type: 'jsonb', notNull: false, default: null, comment: null }, { name: 'response_ms', type: 'integer', notNull: false, default: null, comment: null });
    expect(failing(check('no_content_columns', S(other), { columnPattern: 'body|response' })).map((f) => f.origin.resource)).toEqual(['column:public.agents.request_body']);
    expect(check('no_content_columns', S(other), { columnPattern: 'body|response', allow: [{ column: 'public.agents.request_body', reason: 'a reason long enough' }] }).status).toBe('pass');
  });

  it('check_constraint', () => {
    expect(check('check_constraint', S(goodSchema()), { table: 'agents', column: 'region', contains: ['^[a-z]+$'] }).status).toBe('pass');
    expect(failing(check('check_constraint', S(goodSchema()), { table: 'agents', column: 'region', contains: ['tev1'] }))[0].origin.resource).toBe('constraint:public.agents.agents_region_check');
    expect(failing(check('check_constraint', S(goodSchema()), { table: 'agents', column: 'server_id' }))[0].reason).toBe('Column `public.agents.server_id` has no CHECK constraint.');
  });

  it('column_comment_contains', () => {
    expect(check('column_comment_contains', S(goodSchema()), { table: 'ssh_public_keys', column: 'public_key', text: 'not a secret' }).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.ssh_public_keys').columns[1].comment = null;
    expect(failing(check('column_comment_contains', S(s), { table: 'ssh_public_keys', column: 'public_key', text: 'not a secret' }))[0].observed).toBe('no comment');
  });

  it('foreign_key', () => {
    expect(check('foreign_key', S(goodSchema()), { table: 'agents', columns: ['account_id'], references: 'accounts', onDelete: 'cascade', notNull: true }).status).toBe('pass');
    expect(failing(check('foreign_key', S(goodSchema()), { table: 'agents', columns: ['account_id'], references: 'accounts', onDelete: 'restrict' }))[0].reason)
      .toBe('Foreign key `agents_account_id_fkey` on `public.agents` is ON DELETE cascade, not restrict.');
    expect(check('foreign_key', S(goodSchema()), { table: 'agents', columns: ['region'], references: 'regions' }).status).toBe('fail');
  });

  it('no_foreign_key', () => {
    expect(check('no_foreign_key', S(goodSchema()), { table: 'audit_events', references: ['agents', 'accounts'] }).status).toBe('pass');
    expect(failing(check('no_foreign_key', S(goodSchema()), { table: 'agents', references: ['accounts'] }))[0].origin.resource).toBe('constraint:public.agents.agents_account_id_fkey');
  });

  it('trigger_present', () => {
    const p = { table: 'audit_events', function: 'public.audit_chain_event', timing: 'before', events: ['insert'], sourceContains: 'sha256(' };
    expect(check('trigger_present', S(goodSchema()), p).status).toBe('pass');
    const s = goodSchema();
    T(s, 'public.audit_events').triggers = T(s, 'public.audit_events').triggers.filter((t) => t.name !== 'audit_events_chain');
    expect(failing(check('trigger_present', S(s), p))[0].origin.resource).toBe('table:public.audit_events');
    expect(check('trigger_present', S(goodSchema()), { ...p, sourceContains: 'md5(' }).status).toBe('fail');
  });

  it('table_columns', () => {
    expect(check('table_columns', S(goodSchema()), { table: 'agents', columns: ['region'], notNull: ['account_id'] }).status).toBe('pass');
    expect(failing(check('table_columns', S(goodSchema()), { table: 'agents', columns: ['reason'], notNull: ['id'] })).map((f) => f.origin.resource)).toEqual(['column:public.agents.reason', 'column:public.agents.id']);
  });
});

describe('audit checks', () => {
  it('audit_chain_intact', () => {
    expect(check('audit_chain_intact', { audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    a.verification = { ...a.verification, ok: false, firstBroken: { seq: 42, reason: 'event 42 hash does not match' } };
    expect(failing(check('audit_chain_intact', { audit: a }))[0]).toMatchObject({ reason: 'The audit chain breaks at event 42: event 42 hash does not match.', origin: { resource: 'row:public.audit_events.seq=42' } });
    expect(check('audit_chain_intact', { audit: { ...F.audit(), events: 0 } }).status).toBe('fail');
  });

  it('audit_checkpoint_signed', () => {
    expect(check('audit_checkpoint_signed', { audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    a.checkpoint!.signatureValid = false;
    expect(failing(check('audit_checkpoint_signed', { audit: a }))[0].origin.resource).toBe('row:public.audit_checkpoints.seq=100');
    expect(check('audit_checkpoint_signed', { audit: { ...F.audit(), checkpoint: null } }).status).toBe('fail');
    const untrusted = F.audit();
    untrusted.checkpoint!.keyTrusted = false;
    expect(check('audit_checkpoint_signed', { audit: untrusted }).status).toBe('fail');
    expect(check('audit_checkpoint_signed', { audit: untrusted }, { requireTrustedKey: false }).status).toBe('pass');
  });

  it('audit_actions_recorded', () => {
    expect(check('audit_actions_recorded', { audit: F.audit() }, { actions: ['agent.provisioned'] }).status).toBe('pass');
    expect(failing(check('audit_actions_recorded', { audit: F.audit() }, { actions: ['agent.provisioned', 'vm.destroyed'] }))).toEqual([
      expect.objectContaining({ reason: 'No audit event with action `vm.destroyed` is recorded.', origin: { resource: 'audit_action:vm.destroyed' } }),
    ]);
  });

  it('transfer_boundaries_recorded', () => {
    expect(check('transfer_boundaries_recorded', { audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    a.transfers = { events: 2, onBoundary: 1, firstOffBoundarySeq: 77 };
    expect(failing(check('transfer_boundaries_recorded', { audit: a }))[0].origin.resource).toBe('row:public.audit_events.seq=77');
    expect(check('transfer_boundaries_recorded', { audit: { ...F.audit(), transfers: { events: 0, onBoundary: 0, firstOffBoundarySeq: null } } }).status).toBe('fail');
  });
});

describe('encryption checks', () => {
  it('columns_encrypted', () => {
    expect(check('columns_encrypted', { encryption: F.encryption() }).status).toBe('pass');
    const e = F.encryption();
    e.columns[0].malformed = 1;
    expect(failing(check('columns_encrypted', { encryption: e }))[0]).toMatchObject({ reason: 'Column `public.oauth_connections.access_token` holds 1 of 5 value(s) that do not look like tev2 ciphertext.', origin: { resource: 'column:public.oauth_connections.access_token' } });
    expect(failing(check('columns_encrypted', { encryption: F.encryption() }, { columns: ['oauth_connections.refresh_token'] }))[0].origin).toMatchObject({ resource: 'column:public.oauth_connections.refresh_token', file: 'platform/config/encryption.yaml' });
    const unknownKey = F.encryption();
    unknownKey.columns[1].versions.push({ format: 'tev2', keyVersion: 9, count: 1 });
    expect(check('columns_encrypted', { encryption: unknownKey }).status).toBe('fail');
  });

  it('keyring_algorithm', () => {
    expect(check('keyring_algorithm', { encryption: F.encryption() }, { associatedData: 'table/column/row_id/owner' }).status).toBe('pass');
    const e = F.encryption();
    e.config.associatedData = 'table/column/row_id';
    expect(failing(check('keyring_algorithm', { encryption: e }, { associatedData: 'table/column/row_id/owner' }))[0].origin.resource).toBe('config:encryption.associated_data');
    expect(failing(check('keyring_algorithm', { encryption: { ...F.encryption(), keyring: null } }))[0].origin.resource).toBe('config:keyring');
  });

  it('ciphertexts_bound_to_owner', () => {
    expect(check('ciphertexts_bound_to_owner', { encryption: F.encryption() }).status).toBe('pass');
    // A value still in the row-only tev1 binding fails until rotated.
    const legacy = F.encryption();
    legacy.columns[1].versions.push({ format: 'tev1', keyVersion: 2, count: 2 });
    legacy.columns[1].legacy = 2;
    expect(failing(check('ciphertexts_bound_to_owner', { encryption: legacy }))[0]).toMatchObject({ reason: expect.stringMatching(/^2 of 3 value\(s\) of `public.agent_secrets.ciphertext` still use the tev1 binding .* run `trust keys rotate`/), origin: { resource: 'column:public.agent_secrets.ciphertext' } });
    // A row moved to another owner: its value no longer opens, and the row is named.
    const moved = F.encryption();
    moved.columns[1].binding = { ...moved.columns[1].binding!, opened: 2, failureCount: 1, failures: [{ rowId: '7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11', reason: 'authentication_failed' }] };
    expect(failing(check('ciphertexts_bound_to_owner', { encryption: moved }))[0]).toMatchObject({ reason: expect.stringContaining('1 of 3 value(s) of `public.agent_secrets.ciphertext` do not open with their own row and owner (authentication_failed)'), origin: { resource: 'row:public.agent_secrets.id=7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11' } });
    // A value that still opened when re-bound elsewhere is not bound.
    const loose = F.encryption();
    loose.columns[0].binding = { ...loose.columns[0].binding!, refusedElsewhere: 4 };
    expect(failing(check('ciphertexts_bound_to_owner', { encryption: loose }))[0].reason).toBe('1 of 5 value(s) of `public.oauth_connections.access_token` still opened when re-bound to another row id or owner value.');
    // No owner bound in the configuration; no keyring to open with.
    const unbound = F.encryption();
    unbound.columns[0].ownerColumns = ['provider'];
    expect(failing(check('ciphertexts_bound_to_owner', { encryption: unbound }))[0].origin).toMatchObject({ resource: 'config:encryption.columns', file: 'platform/config/encryption.yaml' });
    const keyless = F.encryption();
    for (const c of keyless.columns) c.binding = null;
    expect(failing(check('ciphertexts_bound_to_owner', { encryption: keyless })).map((f) => f.origin.resource)).toEqual(['config:keyring', 'config:keyring']);
  });

  it('keys_rotated_within', () => {
    expect(check('keys_rotated_within', { encryption: F.encryption() }, { days: 90 }).status).toBe('pass');
    expect(failing(check('keys_rotated_within', { encryption: F.encryption() }, { days: 5 }))[0]).toMatchObject({ reason: 'Active key version 2 is 10 days old, older than 5 days.', origin: { resource: 'config:keyring.version.2' } });
    expect(failing(check('keys_rotated_within', { encryption: F.encryption() }, { days: 90, retiredGraceDays: 30 }))[0].origin.resource).toBe('column:public.agent_secrets.ciphertext');
  });
});

describe('region checks', () => {
  it('regions_match_config', () => {
    expect(check('regions_match_config', { regions: F.regions() }).status).toBe('pass');
    const r = F.regions();
    r.database[0].location = 'fra1';
    r.database.push({ id: 'ap', location: 'sin', priceCell: 'x', products: ['agent'] });
    expect(failing(check('regions_match_config', { regions: r })).map((f) => f.origin.resource)).toEqual(['config:regions.eu', 'row:public.regions.id=ap']);
  });

  it('resources_in_allowed_regions', () => {
    expect(check('resources_in_allowed_regions', { regions: F.regions() }).status).toBe('pass');
    const r = F.regions();
    r.resources.push({ table: 'public.vms', region: 'us', product: 'vm', count: 1 });
    r.guards[0].triggers[0].enabled = 'D';
    expect(failing(check('resources_in_allowed_regions', { regions: r })).map((f) => f.origin.resource)).toEqual(['table:public.vms', 'table:public.agents']);
  });
});

describe('privacy checks', () => {
  it('deletion_requests_on_time', () => {
    expect(check('deletion_requests_on_time', { privacy: F.privacy() }, { maxDays: 30 }).status).toBe('pass');
    const p = F.privacy();
    p.deletionRequests.overdue = 2;
    expect(failing(check('deletion_requests_on_time', { privacy: p }, { maxDays: 30 }))[0]).toMatchObject({ reason: '2 deletion request(s) in `public.deletion_requests` are open past their due date.', origin: { resource: 'table:public.deletion_requests' } });
    expect(check('deletion_requests_on_time', { privacy: F.privacy() }, { maxDays: 14 }).status).toBe('fail');
  });

  it('retention_job_recent', () => {
    expect(check('retention_job_recent', { privacy: F.privacy() }, { job: 'retention.', maxAgeHours: 24 }).status).toBe('pass');
    expect(failing(check('retention_job_recent', { privacy: F.privacy() }, { job: 'retention.sessions', maxAgeHours: 2 }))[0].origin.resource).toBe('job:retention.sessions');
    expect(failing(check('retention_job_recent', { privacy: F.privacy() }, { job: 'retention.never', maxAgeHours: 2 }))[0].reason).toBe('Job `retention.never` has never run (no row in `public.job_runs`).');
  });

  it('retention_enforced', () => {
    expect(check('retention_enforced', { privacy: F.privacy() }).status).toBe('pass');
    const p = F.privacy();
    p.retention.rules[1].expiredRows = 3;
    expect(failing(check('retention_enforced', { privacy: p }))[0].origin.resource).toBe('table:public.sessions');
    expect(failing(check('retention_enforced', { privacy: F.privacy() }, { table: 'admin_access_log', keepDays: 30 }))[0].origin.resource).toBe('config:retention.rules.admin_access_log');
  });

  it('admin_access_log_retention', () => {
    expect(check('admin_access_log_retention', { privacy: F.privacy() }, { days: 90 }).status).toBe('pass');
    const p = F.privacy();
    p.adminAccessLog.oldestAgeDays = 120;
    expect(failing(check('admin_access_log_retention', { privacy: p }, { days: 90 }))[0]).toMatchObject({ origin: { resource: 'table:public.admin_access_log' }, observed: 'oldest=120d' });
  });
});

describe('identity checks', () => {
  it('password_hashes_strong', () => {
    expect(check('password_hashes_strong', { identity: F.identity() }, { minCost: 12 }).status).toBe('pass');
    const i = F.identity();
    i.passwords.byCost.push({ cost: 10, count: 1 });
    i.passwords.notBcrypt = 1;
    expect(failing(check('password_hashes_strong', { identity: i }, { minCost: 12 })).map((f) => f.reason)).toEqual([
      '1 of 3 value(s) of `public.users.password_hash` are not bcrypt hashes.',
      '1 password hash(es) in `public.users.password_hash` use bcrypt cost 10, below 12.',
    ]);
  });

  it('api_keys_hashed', () => {
    expect(check('api_keys_hashed', { identity: F.identity() }).status).toBe('pass');
    const i = F.identity();
    i.apiKeys.sha256Hashes = 1;
    expect(failing(check('api_keys_hashed', { identity: i }))[0].origin.resource).toBe('column:public.api_keys.key_hash');
  });
});

describe('code checks', () => {
  it('cipher_usage', () => {
    expect(check('cipher_usage', { code: F.code() }, { requireAad: true }).status).toBe('pass');
    const c = F.code();
    c.ciphers[0] = { ...c.ciphers[0], nonceSource: 'other', nonceExpression: 'Buffer.alloc(12)', nonceBytes: null };
    expect(failing(check('cipher_usage', { code: c }))[0]).toMatchObject({ reason: 'createCipheriv at platform/crypto/keyring.ts:96 takes its nonce from `Buffer.alloc(12)`, not from randomBytes.', origin: { file: 'platform/crypto/keyring.ts', line: 96 } });
    const noAad = F.code();
    noAad.ciphers[0].setsAad = false;
    expect(check('cipher_usage', { code: noAad }, { requireAad: true }).status).toBe('fail');
    expect(check('cipher_usage', { code: { ...F.code(), ciphers: [] } }).status).toBe('fail');
  });

  it('no_secret_logging', () => {
    expect(check('no_secret_logging', { code: F.code() }).status).toBe('pass');
    const c = F.code();
    c.secretLogging.push({ file: 'platform/oauth/connections.ts', line: 12, callee: 'console.log', names: ['refreshToken'] });
    expect(failing(check('no_secret_logging', { code: c }))[0]).toMatchObject({ reason: '`console.log` at platform/oauth/connections.ts:12 is passed `refreshToken`.', origin: { line: 12 } });
    expect(check('no_secret_logging', { code: c }, { dirs: ['platform/identity'] }).status).toBe('pass');
  });

  it('cookie_flags', () => {
    expect(check('cookie_flags', { code: F.code() }).status).toBe('pass');
    const c = F.code();
    c.cookies[0] = { ...c.cookies[0], secure: false, sameSite: 'None' };
    expect(failing(check('cookie_flags', { code: c }))[0].reason).toBe('The cookie set at platform/identity/session-cookie.ts:10 lacks Secure, SameSite=Strict|Lax.');
  });

  it('secret_writes_confined', () => {
    const p = { tables: ['oauth_connections'], allowedFiles: ['platform/oauth/connections.ts'] };
    expect(check('secret_writes_confined', { code: F.code() }, p).status).toBe('pass');
    const c = F.code();
    c.secretTableWrites.push({ file: 'platform/demo/run.ts', line: 5, table: 'oauth_connections', verb: 'UPDATE', importsCrypto: false });
    expect(failing(check('secret_writes_confined', { code: c }, p))[0].origin).toEqual({ resource: 'file:platform/demo/run.ts', file: 'platform/demo/run.ts', line: 5 });
    const noCrypto = F.code();
    noCrypto.secretTableWrites[0].importsCrypto = false;
    expect(check('secret_writes_confined', { code: noCrypto }, p).status).toBe('fail');
  });

  it('no_math_random_in_security_code', () => {
    expect(check('no_math_random_in_security_code', { code: F.code() }, { dirs: ['platform/crypto'] }).status).toBe('pass');
    expect(failing(check('no_math_random_in_security_code', { code: F.code() }, { dirs: ['platform/demo'] }))[0].origin.line).toBe(3);
  });

  it('function_calls', () => {
    const p = { file: 'platform/tools/tool-controls.ts', function: 'authorizeToolCall', calls: ['appendAuditEvent'] };
    expect(check('function_calls', { code: F.code() }, p).status).toBe('pass');
    expect(failing(check('function_calls', { code: F.code() }, { ...p, calls: ['requireTier'] }))[0].reason).toBe('`authorizeToolCall` (platform/tools/tool-controls.ts:63) never calls `requireTier`.');
    expect(check('function_calls', { code: F.code() }, { ...p, function: 'gone' }).status).toBe('fail');
  });
});

describe('config checks', () => {
  it('disclosure_policy_complete', () => {
    expect(check('disclosure_policy_complete', { config: F.config() }).status).toBe('pass');
    const c = F.config();
    c.organisation.disclosure.fixTargetDays.critical = 60;
    expect(failing(check('disclosure_policy_complete', { config: c })).map((f) => f.origin.resource)).toEqual(['config:organisation.disclosure.fixTargetDays']);
  });

  it('subprocessors_listed', () => {
    expect(check('subprocessors_listed', { config: F.config() }).status).toBe('pass');
    const c = F.config();
    c.organisation.subprocessors = [];
    expect(failing(check('subprocessors_listed', { config: c }))[0].origin).toEqual({ resource: 'config:organisation.subprocessors', file: 'controls/catalog.yaml' });
  });
});

describe('the generic profile (trust inspect), registered as checks', () => {
  // Detailed cases live in test/inspect/generic-checks.test.ts; here each passes and fails once.
  it('each passes a clean schema and fails its planted smell', () => {
    const role = { name: 'app', login: true, superuser: false, bypassRls: true, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] };
    const smelly = schemaFacts({
      tables: [
        table('public.audit_log', { constraints: [], rls: { enabled: true, forced: false }, columns: [{ name: 'id' }, { name: 'account_id' }, { name: 'api_token', type: 'text' }] }),
        table('public.notes', { columns: [{ name: 'id' }, { name: 'tenant_id' }] }),
      ],
      functions: [fn('public.f', { securityDefiner: true })],
      roles: [role],
    });
    const ids = ['audit_tables_immutable', 'definer_functions_pin_search_path', 'login_roles_not_privileged', 'rls_forced_where_enabled', 'secrets_not_plaintext', 'tables_have_primary_key', 'tenant_tables_have_rls'];
    for (const id of ids) {
      const facts = (s: SchemaFacts) => ({ schema: s, secret_values: { samples: [] } });
      expect(check(id, facts(schemaFacts({ tables: [table('clean')] }))).status, id).toBe('pass');
      const r = check(id, facts(smelly));
      expect(r.status, id).toBe('fail');
      expect(failing(r)[0].origin.resource, id).toMatch(/^(table|column|function|role):/);
    }
  });
});

describe('audit_head_witnessed (transparency log)', () => {
  const facts = (over: Partial<import('../../collectors/witness.ts').WitnessFacts> = {}): FactSet => ({
    witness: {
      database: 'postgres:1/trust', logError: null, witnessed: { index: 4, seq: 100, hash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z' }, hashAtWitnessedSeq: 'a'.repeat(64),
      headSeq: 120, headHash: 'b'.repeat(64), unwitnessedEvents: 20, unwitnessedSeconds: 30, configuredBound: null, ...over,
    },
  });
  it('passes when the witnessed event keeps its hash and the window is within bounds', () => {
    expect(check('audit_head_witnessed', facts()).status).toBe('pass');
    expect(check('audit_head_witnessed', facts({ witnessed: null, hashAtWitnessedSeq: null })).status).toBe('pass');
  });
  it('fails on a rewritten or missing witnessed event, an untrusted log, or a wide window', () => {
    expect(failing(check('audit_head_witnessed', facts({ hashAtWitnessedSeq: 'c'.repeat(64) })))[0].reason).toMatch(/Event 100 now hashes .* rewritten/);
    expect(failing(check('audit_head_witnessed', facts({ hashAtWitnessedSeq: null })))[0].reason).toMatch(/no longer exists/);
    expect(failing(check('audit_head_witnessed', facts({ logError: 'checkpoint: invalid signature' })))[0].reason).toMatch(/cannot be trusted/);
    expect(failing(check('audit_head_witnessed', facts(), { maxEvents: 10 }))[0].reason).toMatch(/unwitnessed window is too wide/);
    expect(failing(check('audit_head_witnessed', facts({ configuredBound: { maxSeconds: 5 } })))[0].reason).toMatch(/oldest 30 s/);
  });
});

describe('artifact and data checks (no self-attestation; tools; privacy rows)', () => {
  it('vendor_sdks_published', () => {
    const deps = (): import('../../collectors/dependencies.ts').DependenciesFacts => ({
      sdks: [{ package: 'stripe', version: '^14.0.0', source: 'package.json dependencies', file: 'package.json', line: 12, vendor: 'Stripe', match: 'stripe' }],
      providers: [{ file: 'platform/provider/local.ts', name: 'local', vendor: null, match: null }],
      read: [{ file: 'package.json', packages: 10 }, { file: 'package-lock.json', packages: 200 }],
    });
    const c = F.config();
    c.organisation.subprocessors = [{ name: 'Stripe, Inc.', purpose: 'Payments', location: 'US', data: null }];
    expect(check('vendor_sdks_published', { dependencies: deps(), config: c }).status).toBe('pass');
    const d = deps();
    d.sdks.push({ package: '@sentry/node', version: '^8.0.0', source: 'package.json dependencies', file: 'package.json', line: 13, vendor: 'Sentry', match: 'sentry' });
    expect(failing(check('vendor_sdks_published', { dependencies: d, config: c }))[0].origin).toEqual({ resource: 'package:@sentry/node', file: 'package.json', line: 13 });
  });

  it('vm_boot_config', () => {
    const settings = (): import('../../collectors/vm-boot.ts').BootSettings => ({
      header: true, parseError: null, sshPwauth: 'false', disableRoot: 'true',
      sshd: { PasswordAuthentication: 'no', KbdInteractiveAuthentication: 'no', PermitRootLogin: 'prohibit-password' },
      usersWithPassword: [], chpasswd: false, authorizedKeys: 1, packages: ['fail2ban', 'ufw'], sshdFiles: [], bootcmds: [],
      commands: ['ufw default deny incoming', 'ufw allow proto tcp from 0.0.0.0/0 to any port 443', 'ufw --force enable', 'systemctl enable --now fail2ban'],
      fail2banJails: { sshd: { enabled: 'true', maxretry: '5' } }, lines: { ssh_pwauth: 10, runcmd: 30, write_files: 20 },
    });
    const facts = () => ({ template: { file: 'platform/vms/cloud-init.yaml', settings: { ...settings(), commands: ['ufw default deny incoming', 'ufw --force enable', 'systemctl enable --now fail2ban'] } },
      documents: [{ vm: 'v1', server: 's1', seq: 7, operation: 3, provider: 'local', declaredAllows: ['ufw allow proto tcp from 0.0.0.0/0 to any port 443'], settings: settings() }] });
    for (const aspect of ['ssh_key_only', 'firewall_default_deny', 'fail2ban_sshd']) expect(check('vm_boot_config', { vm_boot: facts() }, { aspect }).status, aspect).toBe('pass');
    const t = facts();
    t.template.settings.sshPwauth = 'true';
    expect(failing(check('vm_boot_config', { vm_boot: t }, { aspect: 'ssh_key_only' }))[0].origin).toEqual({ resource: 'file:platform/vms/cloud-init.yaml', file: 'platform/vms/cloud-init.yaml', line: 10 });
    const d = facts();
    d.documents[0].declaredAllows = [];
    expect(failing(check('vm_boot_config', { vm_boot: d }, { aspect: 'firewall_default_deny' }))[0]).toMatchObject({ origin: { resource: 'row:public.provider_operations.id=3' }, kind: 'data' });
  });

  it('disclosure_published', () => {
    const facts = (): import('../../collectors/disclosure.ts').DisclosureFacts => ({
      securityTxt: { renderer: 'site/lib/security-txt.ts', renderedAt: '2026-01-01T00:00:00.000Z', fields: [
        { name: 'Contact', value: 'mailto:security@example.com', line: 2 }, { name: 'Expires', value: '2026-06-30T00:00:00Z', line: 3 }, { name: 'Policy', value: 'https://example.com/vd/', line: 4 }] },
      policy: { file: 'controls/catalog.yaml', contact: 'mailto:security@example.com', acknowledgementBusinessDays: 1, policyUrl: 'https://example.com/vd/' },
      promises: [{ file: 'site/pages/vulnerability-disclosure.mdx', line: 28, text: 'within {d.x} business day', source: 'config', days: 1 }],
    });
    expect(check('disclosure_published', { disclosure: facts() }).status).toBe('pass');
    const f = facts();
    f.securityTxt.fields[1].value = '2025-12-01T00:00:00Z';
    expect(failing(check('disclosure_published', { disclosure: f }))[0].origin.resource).toBe('security.txt:Expires');
    const g = facts();
    g.promises.push({ file: 'controls/catalog/vulnerability_disclosure_published.yaml', line: 7, text: 'within two business days', source: 'literal', days: 2 });
    expect(failing(check('disclosure_published', { disclosure: g }))[0].origin).toEqual({ resource: 'file:controls/catalog/vulnerability_disclosure_published.yaml', file: 'controls/catalog/vulnerability_disclosure_published.yaml', line: 7 });
  });

  const tools = (): import('../../collectors/tools.ts').ToolsFacts => ({
    config: { file: 'platform/config/tools.yaml', skills: { email: ['email.read', 'email.send'], web: ['web.fetch'] }, requiresApproval: ['email.send'] },
    allowed: [
      { tool: 'web.fetch', skill: 'web', enabledSkills: 'email,web', approval: 'none', approvalUses: 0, count: 3, firstSeq: 10, firstAgent: 'a1' },
      { tool: 'email.send', skill: null, enabledSkills: 'email,web', approval: 'approved_before', approvalUses: 1, count: 2, firstSeq: 14, firstAgent: 'a1' },
    ],
    approvals: [{ status: 'approved', used: true, requestedEvent: true, decidedEvent: true, allowedEvent: true, count: 2, first: 'p1' }],
  });

  it('tool_decisions_within_skills', () => {
    expect(check('tool_decisions_within_skills', { tools: tools() }).status).toBe('pass');
    const t = tools();
    t.allowed[0].enabledSkills = 'email';
    expect(failing(check('tool_decisions_within_skills', { tools: t }))[0]).toMatchObject({ origin: { resource: 'row:public.audit_events.seq=10' }, kind: 'data' });
  });

  it('tool_approvals_honoured', () => {
    expect(check('tool_approvals_honoured', { tools: tools() }).status).toBe('pass');
    const t = tools();
    t.allowed[1].approval = 'none';
    expect(failing(check('tool_approvals_honoured', { tools: t }))[0].origin.resource).toBe('row:public.audit_events.seq=14');
    const u = tools();
    u.allowed[1].approvalUses = 2;
    expect(check('tool_approvals_honoured', { tools: u }).status).toBe('fail');
  });

  it('tool_decisions_recorded', () => {
    expect(check('tool_decisions_recorded', { tools: tools() }).status).toBe('pass');
    const t = tools();
    t.approvals[0].allowedEvent = false;
    expect(failing(check('tool_decisions_recorded', { tools: t }))[0].origin.resource).toBe('row:public.tool_approvals.id=p1');
  });

  it('purged_accounts_empty', () => {
    expect(check('purged_accounts_empty', { privacy: F.privacy() }).status).toBe('pass');
    const p = F.privacy();
    p.purgeLeftovers = [{ request: 'r1', account: 'acc1', requestAgeDays: 40, completed: true, table: 'public.sessions', rows: 2 }];
    expect(failing(check('purged_accounts_empty', { privacy: p }))[0]).toMatchObject({ origin: { resource: 'table:public.sessions' }, kind: 'data' });
  });

  it('admin_access_log_kept', () => {
    expect(check('admin_access_log_kept', { privacy: F.privacy() }, { days: 90 }).status).toBe('pass');
    const p = F.privacy();
    p.adminAccessWitness.youngestMissing.unshift({ seq: 50, logId: '5', ageDays: 3 });
    expect(failing(check('admin_access_log_kept', { privacy: p }, { days: 90 }))[0]).toMatchObject({ origin: { resource: 'row:public.admin_access_log.id=5' }, observed: 'witness seq 50' });
  });
});

describe('the check registry', () => {
  it('missing facts give an error result, never a pass', () => {
    const r = runCheck(findCheck('audit_chain_intact')!, {}, {});
    expect(r.status).toBe('error');
  });

  it('ids are unique, snake_case, and every check is tested (here, or by name in a test file of its own)', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    // Families of checks with their own fixtures (lifecycle, probes) keep their tests beside
    // them in test/checks/; those files must run the check by its quoted id.
    // A check exercised only on a real database is seen failing by its quoted id in a break test.
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const breaks = path.join(dir, '..', 'collectors');
    const elsewhere = [
      ...readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'checks.test.ts').map((f) => path.join(dir, f)),
      ...readdirSync(breaks).filter((f) => /^break-.*\.test\.ts$/.test(f)).map((f) => path.join(breaks, f)),
    ].map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(ids.filter((id) => !tested.has(id) && !elsewhere.includes(`'${id}'`))).toEqual([]);
  });
});

describe('secret-named values (code collector heuristic)', () => {
  it('flags secrets, not counters or outcomes named after them', async () => {
    const { secretNamed } = await import('../../collectors/code.ts');
    for (const n of ['refreshToken', 'accessToken', 'password', 'apiKey', 'clientSecret', 'ciphertext', 'plaintext']) expect(secretNamed(n), n).toBe(true);
    for (const n of ['refreshFailed', 'tokenHash', 'apiKeyId', 'passwordHash', 'tokenCount', 'secretName', 'refreshed', 'tokenExpiresAt']) expect(secretNamed(n), n).toBe(false);
  });
});

