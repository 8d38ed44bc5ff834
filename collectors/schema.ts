/**
 * The schema collector: what the database itself enforces. Tables, columns, constraints
 * (with their definitions), indexes, triggers and their functions, row-level security
 * flags and policies, grants, roles, extensions and migration state.
 *
 * It reads only the system catalogs, with a fixed number of catalog-wide queries
 * (never one per table), and works on any PostgreSQL database: `trust inspect` runs it
 * against databases we have never seen. No OIDs reach the facts.
 */
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import { byKey } from './sort.ts';

export const ColumnSchema = z.object({
  name: z.string(),
  /** format_type(): `text`, `character varying(64)`, `timestamp with time zone`. */
  type: z.string(),
  notNull: z.boolean(),
  default: z.string().nullable(),
  comment: z.string().nullable(),
});
export const ConstraintSchema = z.object({
  name: z.string(),
  /** primary_key, unique, foreign_key, check, exclusion, trigger, not_null */
  kind: z.string(),
  columns: z.array(z.string()),
  /** pg_get_constraintdef(): `CHECK ((password_hash ~ ...))`, `EXCLUDE USING gist (...)`. */
  definition: z.string(),
  references: z.object({
    table: z.string(),
    columns: z.array(z.string()),
    /** no_action, restrict, cascade, set_null, set_default */
    onDelete: z.string(),
    onUpdate: z.string(),
  }).nullable(),
});
export const IndexSchema = z.object({ name: z.string(), unique: z.boolean(), primary: z.boolean(), partial: z.boolean(), definition: z.string() });
export const TriggerSchema = z.object({
  name: z.string(),
  /** `schema.function` the trigger calls; its source is in `functions`. */
  function: z.string(),
  /** O origin/local (enabled), D disabled, R replica only, A always. */
  enabled: z.enum(['O', 'D', 'R', 'A']),
  timing: z.enum(['before', 'after', 'instead_of']),
  level: z.enum(['row', 'statement']),
  events: z.array(z.enum(['insert', 'update', 'delete', 'truncate'])),
  /** Has a WHEN condition: it fires only for some rows. */
  conditional: z.boolean(),
  /** For UPDATE OF col, ...: the columns it is limited to (empty = every column). */
  updateColumns: z.array(z.string()),
  definition: z.string(),
});
export const PolicySchema = z.object({
  name: z.string(),
  permissive: z.boolean(),
  roles: z.array(z.string()),
  /** all, select, insert, update, delete */
  command: z.string(),
  using: z.string().nullable(),
  withCheck: z.string().nullable(),
});
export const GrantSchema = z.object({ grantee: z.string(), privilege: z.string(), grantable: z.boolean() });
export const TableSchema = z.object({
  schema: z.string(),
  name: z.string(),
  /** table, partitioned_table, view, materialized_view, foreign_table */
  kind: z.string(),
  owner: z.string(),
  isPartition: z.boolean(),
  rls: z.object({ enabled: z.boolean(), forced: z.boolean() }),
  comment: z.string().nullable(),
  columns: z.array(ColumnSchema),
  constraints: z.array(ConstraintSchema),
  indexes: z.array(IndexSchema),
  triggers: z.array(TriggerSchema),
  policies: z.array(PolicySchema),
  grants: z.array(GrantSchema),
});
export const FunctionSchema = z.object({
  schema: z.string(),
  name: z.string(),
  arguments: z.string(),
  returns: z.string().nullable(),
  language: z.string(),
  owner: z.string(),
  securityDefiner: z.boolean(),
  /** proconfig entries such as `search_path=pg_catalog, public`. */
  config: z.array(z.string()),
  /** prosrc: the body for SQL and PL/pgSQL functions. */
  source: z.string().nullable(),
});
export const RoleSchema = z.object({
  name: z.string(),
  login: z.boolean(),
  superuser: z.boolean(),
  bypassRls: z.boolean(),
  createRole: z.boolean(),
  createDb: z.boolean(),
  replication: z.boolean(),
  /** The cluster's install superuser (created by initdb); it cannot be dropped. */
  bootstrap: z.boolean(),
  memberOf: z.array(z.string()),
});
export const SchemaFactsSchema = z.object({
  server: z.object({ version: z.string(), versionNum: z.number().int() }),
  database: z.string(),
  tables: z.array(TableSchema),
  functions: z.array(FunctionSchema),
  roles: z.array(RoleSchema),
  extensions: z.array(z.object({ name: z.string(), version: z.string(), schema: z.string() })),
  /** node-pg-migrate state; null when the database has no readable `pgmigrations` table. */
  migrations: z.array(z.string()).nullable(),
});
export type SchemaFacts = z.output<typeof SchemaFactsSchema>;
export type TableFacts = z.output<typeof TableSchema>;
export type ColumnFacts = z.output<typeof ColumnSchema>;
export type TriggerFacts = z.output<typeof TriggerSchema>;
export type FunctionFacts = z.output<typeof FunctionSchema>;

type Sql = CollectorContext['sql'];

// Schemas that belong to PostgreSQL itself, never to the application.
const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const NOT_EXTENSION_MEMBER = (catalog: string, alias: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${alias}.oid AND dep.deptype = 'e')`;

const KINDS: Record<string, string> = { r: 'table', p: 'partitioned_table', v: 'view', m: 'materialized_view', f: 'foreign_table' };
const CONSTRAINT_KINDS: Record<string, string> = { p: 'primary_key', u: 'unique', f: 'foreign_key', c: 'check', x: 'exclusion', t: 'trigger', n: 'not_null' };
const FK_ACTIONS: Record<string, string> = { a: 'no_action', r: 'restrict', c: 'cascade', n: 'set_null', d: 'set_default' };
const POLICY_COMMANDS: Record<string, string> = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' };

const RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_get_userbyid(c.relowner) AS owner,
       c.relispartition AS is_partition, c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       obj_description(c.oid, 'pg_class') AS comment,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull,
                 'default', pg_get_expr(d.adbin, d.adrelid), 'comment', col_description(c.oid, a.attnum)) ORDER BY a.attnum), '[]')
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(json_build_object(
                 'grantee', CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END,
                 'privilege', g.privilege_type, 'grantable', g.is_grantable)), '[]')
          FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) g) AS grants,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', p.polname, 'permissive', p.polpermissive, 'command', p.polcmd::text,
                 'roles', (SELECT coalesce(array_agg(x.role ORDER BY x.role), '{}') FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END AS role FROM unnest(p.polroles) r) x),
                 'using', pg_get_expr(p.polqual, p.polrelid), 'withCheck', pg_get_expr(p.polwithcheck, p.polrelid))), '[]')
          FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c')}
 ORDER BY n.nspname, c.relname`;

const CONSTRAINTS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, con.contype::text AS kind,
       pg_get_constraintdef(con.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
       CASE WHEN con.contype = 'f' THEN fn.nspname || '.' || fc.relname END AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
 WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c')}
 ORDER BY n.nspname, c.relname, con.conname`;

const INDEXES_SQL = `
SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
       x.indpred IS NOT NULL AS partial, pg_get_indexdef(x.indexrelid) AS definition
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_class', 't')}
 ORDER BY n.nspname, t.relname, i.relname`;

// tgtype bits (pg_trigger.h): 1 row, 2 before, 4 insert, 8 delete, 16 update, 32 truncate, 64 instead.
const TRIGGERS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pn.nspname || '.' || p.proname AS function,
       t.tgenabled::text AS enabled, t.tgtype::int AS type, t.tgqual IS NOT NULL AS conditional,
       ARRAY(SELECT a.attname FROM unnest(t.tgattr::int2[]) k(attnum)
               JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum ORDER BY a.attname)::text[] AS update_columns,
       pg_get_triggerdef(t.oid) AS definition
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
 WHERE NOT t.tgisinternal AND ${USER_NAMESPACE}
 ORDER BY n.nspname, c.relname, t.tgname`;

const FUNCTIONS_SQL = `
SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind IN ('f', 'w') THEN pg_get_function_result(p.oid) END AS returns,
       l.lanname AS language, pg_get_userbyid(p.proowner) AS owner, p.prosecdef AS security_definer,
       coalesce(p.proconfig, '{}')::text[] AS config,
       CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN p.prosrc END AS source
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_proc', 'p')}
 ORDER BY n.nspname, p.proname, 3`;

// oid 10 is the bootstrap superuser created by initdb (BOOTSTRAP_SUPERUSERID).
const ROLES_AND_EXTENSIONS_SQL = `
SELECT (SELECT coalesce(json_agg(json_build_object(
          'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper, 'bypassRls', r.rolbypassrls,
          'createRole', r.rolcreaterole, 'createDb', r.rolcreatedb, 'replication', r.rolreplication,
          'bootstrap', r.oid = 10,
          'memberOf', ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                             WHERE m.member = r.oid ORDER BY g.rolname)) ORDER BY r.rolname), '[]')
          FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%') AS roles,
       (SELECT coalesce(json_agg(json_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname) ORDER BY e.extname), '[]')
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) AS extensions`;

const META_SQL = `
SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS version_num,
       current_database() AS database,
       coalesce(has_table_privilege(to_regclass('public.pgmigrations'), 'SELECT'), false) AS migrations_readable`;

function decodeTrigger(type: number): Pick<z.output<typeof TriggerSchema>, 'timing' | 'level' | 'events'> {
  const events: ('insert' | 'update' | 'delete' | 'truncate')[] = [];
  if (type & 4) events.push('insert');
  if (type & 8) events.push('delete');
  if (type & 16) events.push('update');
  if (type & 32) events.push('truncate');
  return {
    timing: type & 64 ? 'instead_of' : type & 2 ? 'before' : 'after',
    level: type & 1 ? 'row' : 'statement',
    events: events.sort(),
  };
}

/** Introspects a database through `sql`; a fixed number of queries whatever its size. */
export async function introspectSchema(sql: Sql): Promise<SchemaFacts> {
  const [meta] = await sql<{ version: string; version_num: number; database: string; migrations_readable: boolean }>(META_SQL);
  const relations = await sql<Record<string, any>>(RELATIONS_SQL);
  const constraints = await sql<Record<string, any>>(CONSTRAINTS_SQL);
  const indexes = await sql<Record<string, any>>(INDEXES_SQL);
  const triggers = await sql<Record<string, any>>(TRIGGERS_SQL);
  const functions = await sql<Record<string, any>>(FUNCTIONS_SQL);
  const [re] = await sql<{ roles: z.output<typeof RoleSchema>[]; extensions: { name: string; version: string; schema: string }[] }>(ROLES_AND_EXTENSIONS_SQL);
  const migrations = meta.migrations_readable
    ? (await sql<{ name: string }>('SELECT name FROM public.pgmigrations ORDER BY run_on, id')).map((r) => r.name)
    : null;

  const tables = new Map<string, z.output<typeof TableSchema>>();
  for (const r of relations) {
    tables.set(`${r.schema}.${r.name}`, {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? r.kind,
      owner: r.owner,
      isPartition: r.is_partition,
      rls: { enabled: r.rls_enabled, forced: r.rls_forced },
      comment: r.comment,
      columns: r.columns,
      constraints: [],
      indexes: [],
      triggers: [],
      policies: (r.policies as any[])
        .map((p) => ({ ...p, command: POLICY_COMMANDS[p.command] ?? p.command }))
        .sort(byKey((p: { name: string }) => p.name)),
      grants: (r.grants as z.output<typeof GrantSchema>[]).sort(byKey((g) => `${g.grantee}\u0000${g.privilege}`)),
    });
  }
  for (const r of constraints) {
    const t = tables.get(`${r.schema}.${r.table}`);
    if (!t) continue;
    t.constraints.push({
      name: r.name,
      kind: CONSTRAINT_KINDS[r.kind] ?? r.kind,
      columns: r.columns,
      definition: r.definition,
      references: r.kind === 'f' ? { table: r.ref_table, columns: r.ref_columns, onDelete: FK_ACTIONS[r.on_delete] ?? r.on_delete, onUpdate: FK_ACTIONS[r.on_update] ?? r.on_update } : null,
    });
  }
  for (const r of indexes) {
    tables.get(`${r.schema}.${r.table}`)?.indexes.push({ name: r.name, unique: r.unique, primary: r.primary, partial: r.partial, definition: r.definition });
  }
  for (const r of triggers) {
    tables.get(`${r.schema}.${r.table}`)?.triggers.push({
      name: r.name,
      function: r.function,
      enabled: r.enabled,
      ...decodeTrigger(r.type),
      conditional: r.conditional,
      updateColumns: r.update_columns,
      definition: r.definition,
    });
  }
  return {
    server: { version: meta.version, versionNum: meta.version_num },
    database: meta.database,
    tables: [...tables.values()],
    functions: functions.map((f) => ({
      schema: f.schema,
      name: f.name,
      arguments: f.arguments,
      returns: f.returns,
      language: f.language,
      owner: f.owner,
      securityDefiner: f.security_definer,
      config: f.config,
      source: f.source,
    })),
    roles: re.roles,
    extensions: re.extensions,
    migrations,
  };
}

export default defineCollector({
  id: 'schema',
  version: '1.0.0',
  description: 'Tables, columns, constraints, indexes, triggers, row-level security, grants, roles, extensions and migration state, from the system catalogs.',
  needsDatabase: true,
  facts: SchemaFactsSchema,
  collect: (ctx) => introspectSchema(ctx.sql),
});

/** Lookup helpers shared by checks and lints. */
export function findTable(facts: SchemaFacts, name: string): TableFacts | undefined {
  const [schema, table] = name.includes('.') ? name.split('.', 2) : ['public', name];
  return facts.tables.find((t) => t.schema === schema && t.name === table);
}
export function qualified(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}
export function findFunction(facts: SchemaFacts, qualifiedName: string): FunctionFacts[] {
  const [schema, name] = qualifiedName.split('.', 2);
  return facts.functions.filter((f) => f.schema === schema && f.name === name);
}

/**
 * Whether an enabled trigger on the table refuses `event` for every row: a BEFORE (or
 * INSTEAD OF) trigger, not conditional, not limited to some columns, whose function
 * raises an exception or returns NULL (which silently skips the row). Returns the trigger.
 */
export function blockingTrigger(facts: SchemaFacts, table: TableFacts, event: 'insert' | 'update' | 'delete' | 'truncate'): TriggerFacts | undefined {
  return table.triggers.find((t) => {
    if (t.enabled === 'D' || t.enabled === 'R') return false;
    if (t.timing === 'after' || t.conditional || !t.events.includes(event)) return false;
    if (event === 'update' && t.updateColumns.length > 0) return false;
    return findFunction(facts, t.function).some((f) => functionRefuses(f.source));
  });
}

/** A PL/pgSQL or SQL trigger body that always stops the write. */
export function functionRefuses(source: string | null): boolean {
  if (!source) return false;
  const body = source.replace(/--[^\n]*/g, '');
  return /\braise\s+exception\b/i.test(body) || /\breturn\s+null\s*;/i.test(body);
}
