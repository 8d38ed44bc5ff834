/**
 * Builders for schema facts in unit tests: a small, valid SchemaFacts with only what a test
 * needs; a platform-like schema on which every schema check passes; and a smelly one for
 * the generic profile (trust inspect).
 */
import { expect } from 'vitest';
import type { SchemaFacts, TableFacts, FunctionFacts } from '../../collectors/schema.ts';
import type { SecretSample } from '../../collectors/secret-values.ts';
import { failing, type CheckUnderTest } from './story.ts';
import { accessFacts } from './access-fixtures.ts';

type Col = Partial<TableFacts['columns'][number]> & { name: string };

export function table(name: string, over: Partial<Omit<TableFacts, 'columns'>> & { columns?: Col[] } = {}): TableFacts {
  const [schema, rel] = name.includes('.') ? name.split('.') : ['public', name];
  const { columns, ...rest } = over;
  return {
    schema,
    name: rel,
    kind: 'table',
    owner: 'trust_owner',
    isPartition: false,
    rls: { enabled: false, forced: false },
    comment: null,
    constraints: [{ name: `${rel}_pkey`, kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null }],
    indexes: [],
    triggers: [],
    policies: [],
    grants: [],
    ...rest,
    columns: (columns ?? [{ name: 'id', type: 'uuid' }]).map((c) => ({ type: 'text', notNull: false, default: null, comment: null, ...c })),
  };
}

export function fn(qualifiedName: string, over: Partial<FunctionFacts> = {}): FunctionFacts {
  const [schema, name] = qualifiedName.split('.');
  return { schema, name, arguments: '', returns: 'trigger', language: 'plpgsql', owner: 'trust_owner', securityDefiner: false, config: [], source: null, ...over };
}

export function schemaFacts(over: Partial<SchemaFacts> = {}): SchemaFacts {
  return {
    server: { version: '17.0', versionNum: 170000, fsync: 'on' },
    database: 'test',
    tables: [],
    functions: [],
    roles: [],
    extensions: [],
    migrations: [],
    ...over,
  };
}

export const refuseFn = (name = 'public.refuse_change') => fn(name, { source: "BEGIN RAISE EXCEPTION 'append-only'; END" });

type Trigger = TableFacts['triggers'][number];

/** A BEFORE trigger, enabled ALWAYS, that runs refuse_change on `events`. */
export function refusingTrigger(name: string, events: Trigger['events'], level: Trigger['level'] = 'row', definition = ''): Trigger {
  return { name, function: 'public.refuse_change', enabled: 'A', timing: 'before', level, events, conditional: false, updateColumns: [], definition };
}

/** An audit table with BEFORE UPDATE/DELETE row and BEFORE TRUNCATE statement triggers. */
export function appendOnlyTable(name = 'public.audit_events'): TableFacts {
  const rel = name.split('.')[1];
  const def = (n: string) => `CREATE TRIGGER ${n} ...`;
  return table(name, {
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'account_id', type: 'uuid' },
      { name: 'action', type: 'text' },
    ],
    triggers: [refusingTrigger(`${rel}_no_update`, ['delete', 'update'], 'row', def('u')), refusingTrigger(`${rel}_no_truncate`, ['truncate'], 'statement', def('t'))],
  });
}

/** Schema facts with the access facts (effective privileges, memberships) that follow from its grants and roles. */
export const S = (s: SchemaFacts) => ({ schema: s, access: accessFacts(s) });

/** A table of `s` by qualified name. */
export const T = (s: SchemaFacts, name: string) => s.tables.find((t) => `${t.schema}.${t.name}` === name)!;

/** A platform-like schema in which every schema check passes. */
export function platformSchema(): SchemaFacts {
  const guardFn = fn('public.reject_region_change', { source: "BEGIN IF NEW.region IS DISTINCT FROM OLD.region THEN RAISE EXCEPTION 'fixed'; END IF; RETURN NEW; END" });
  const accountsFn = fn('public.current_account_ids', {
    language: 'sql',
    returns: 'uuid[]',
    source: "SELECT coalesce(string_to_array(nullif(current_setting('trust.account_ids', true), ''), ',')::uuid[], '{}')",
  });
  const chainFn = fn('public.audit_chain_event', { source: 'BEGIN NEW.hash := sha256(v_prev || x); RETURN NEW; END' });
  const audit = appendOnlyTable('public.audit_events');
  audit.triggers.push({
    name: 'audit_events_chain',
    function: 'public.audit_chain_event',
    enabled: 'O',
    timing: 'before',
    level: 'row',
    events: ['insert'],
    conditional: false,
    updateColumns: [],
    definition: '',
  });
  audit.grants = [
    { grantee: 'trust_app', privilege: 'INSERT', grantable: false },
    { grantee: 'trust_app', privilege: 'SELECT', grantable: false },
    { grantee: 'trust_reader', privilege: 'SELECT', grantable: false },
  ];
  const policy = { name: 'account_isolation', permissive: true, roles: ['PUBLIC'], command: 'all', using: 'account_id = ANY (current_account_ids())', withCheck: null };
  audit.rls = { enabled: true, forced: true };
  audit.policies = [policy];
  const agents = table('public.agents', {
    rls: { enabled: true, forced: true },
    policies: [policy],
    columns: [
      { name: 'id', type: 'uuid' },
      { name: 'account_id', type: 'uuid', notNull: true },
      { name: 'region', type: 'text', notNull: true },
      { name: 'server_id', type: 'uuid', notNull: true },
    ],
    constraints: [
      { name: 'agents_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null },
      { name: 'agents_server_id_key', kind: 'unique', columns: ['server_id'], definition: 'UNIQUE (server_id)', references: null },
      {
        name: 'agents_account_id_fkey',
        kind: 'foreign_key',
        columns: ['account_id'],
        definition: 'FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE',
        references: { table: 'public.accounts', columns: ['id'], onDelete: 'cascade', onUpdate: 'no_action' },
      },
      { name: 'agents_region_check', kind: 'check', columns: ['region'], definition: "CHECK ((region ~ '^[a-z]+$'::text))", references: null },
      { name: 'agents_no_overlap', kind: 'exclusion', columns: ['account_id', 'region'], definition: 'EXCLUDE USING gist (account_id WITH =, region WITH =)', references: null },
    ],
    indexes: [{ name: 'agents_live_server', unique: true, primary: false, partial: true, definition: 'CREATE UNIQUE INDEX agents_live_server ON public.agents USING btree (server_id) WHERE (alive)' }],
    triggers: [
      { name: 'agents_region_fixed', function: 'public.reject_region_change', enabled: 'A', timing: 'before', level: 'row', events: ['update'], conditional: false, updateColumns: [], definition: '' },
    ],
  });
  const keys = table('public.ssh_public_keys', {
    columns: [
      { name: 'id', type: 'uuid' },
      { name: 'public_key', type: 'text', comment: 'public key, not a secret: stored in plaintext on purpose' },
    ],
  });
  const usage = table('public.llm_usage_daily', {
    rls: { enabled: true, forced: true },
    policies: [policy],
    columns: [
      { name: 'account_id', type: 'uuid' },
      { name: 'model', type: 'character varying(64)' },
      { name: 'requests', type: 'bigint' },
    ],
  });
  return schemaFacts({
    tables: [agents, audit, keys, usage, table('public.accounts')],
    functions: [refuseFn(), guardFn, chainFn, accountsFn],
    roles: [
      { name: 'trust_app', login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] },
      { name: 'trust_reader', login: true, superuser: false, bypassRls: false, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] },
    ],
  });
}

/**
 * A schema with one smell for each check of the generic profile (trust inspect): an audit
 * log without an update guard, no primary key, RLS enabled but not forced, a secret-named
 * column with nothing to show it is hashed, a tenant table without RLS, a SECURITY DEFINER
 * function without search_path, a login role with BYPASSRLS.
 */
export function smellySchema(): SchemaFacts {
  const role = { name: 'app', login: true, superuser: false, bypassRls: true, createRole: false, createDb: false, replication: false, bootstrap: false, memberOf: [] };
  return schemaFacts({
    tables: [
      table('public.audit_log', { constraints: [], rls: { enabled: true, forced: false }, columns: [{ name: 'id' }, { name: 'account_id' }, { name: 'api_token', type: 'text' }] }),
      table('public.notes', { columns: [{ name: 'id' }, { name: 'tenant_id' }] }),
    ],
    functions: [fn('public.f', { securityDefiner: true })],
    roles: [role],
  });
}

/** A schema with nothing to judge for the generic profile: one plain table. */
export const cleanSchema = () => schemaFacts({ tables: [table('clean')] });

/** Facts for a generic-profile check: the schema and no sampled secret values unless given. */
export const genericFacts = (s: SchemaFacts, samples: SecretSample[] = []) => ({ schema: s, secret_values: { samples } });

/**
 * The story of a generic-profile check: it passes on the clean schema, fails on the smelly
 * one naming the object, and passes once `fix` mends the smelly schema (or returns the value
 * samples that show its secrets are not plain text).
 */
export function smellySchemaStory(run: CheckUnderTest['run'], fix: (s: SchemaFacts) => SecretSample[] | void): void {
  expect(run(genericFacts(cleanSchema())).status).toBe('pass');
  const s = smellySchema();
  const r = run(genericFacts(s));
  expect(r.status).toBe('fail');
  expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
  const samples = fix(s);
  expect(run(genericFacts(s, samples ?? [])).status).toBe('pass');
}
