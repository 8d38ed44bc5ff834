/**
 * The schema collector: what the database itself enforces. Tables, columns, constraints
 * (with their definitions), indexes, triggers and their functions, row-level security
 * flags and policies, grants, roles, extensions and migration state.
 *
 * It reads only the system catalogs, with a fixed number of catalog-wide queries
 * (never one per table), and works on any PostgreSQL database: `trust inspect` runs it
 * against databases we have never seen. No OIDs reach the facts.
 */
import type { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import { byKey } from './sort.ts';
import { ConstraintSchema, RoleSchema, SchemaFactsSchema, TriggerSchema, type FunctionFacts, type SchemaFacts, type TableFacts } from './schema-facts.ts';
import { constraintDefinition, deparserShortcuts, indexDefinition, shortcutSql } from './schema-deparse.ts';

export * from './schema-facts.ts';
export { SHORTCUT_VERSIONS } from './schema-deparse.ts';

type Sql = CollectorContext['sql'];

// Schemas that belong to PostgreSQL itself, never to the application.
const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const NOT_EXTENSION_MEMBER = (catalog: string, alias: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${alias}.oid AND dep.deptype = 'e')`;

const KINDS: Record<string, string> = { r: 'table', p: 'partitioned_table', v: 'view', m: 'materialized_view', f: 'foreign_table' };
const CONSTRAINT_KINDS: Record<string, string> = { p: 'primary_key', u: 'unique', f: 'foreign_key', c: 'check', x: 'exclusion', t: 'trigger', n: 'not_null' };
const FK_ACTIONS: Record<string, string> = { a: 'no_action', r: 'restrict', c: 'cascade', n: 'set_null', d: 'set_default' };
const POLICY_COMMANDS: Record<string, string> = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' };

/*
 * Two catalog-wide queries (three when `pgmigrations` is readable), never one per table:
 *
 * 1. META_SQL: server, database, roles, extensions and functions, as JSON. It also turns
 *    JIT off for the rest of the transaction (`set_config(..., true)`): the catalog
 *    estimates for the tables query are far above `jit_above_cost`, and compiling it
 *    costs more than running it.
 * 2. tablesSql(): one row per relation, its columns, constraints, indexes, triggers,
 *    policies and grants aggregated as JSON by set-based joins over the catalogs (one pass
 *    over pg_attribute, pg_constraint, pg_index, ...; comments by one join on pg_description).
 *
 * Definitions come from PostgreSQL's own deparsers (pg_get_constraintdef, pg_get_indexdef,
 * pg_get_triggerdef, pg_get_expr), except where the catalog columns determine the text
 * completely: those are assembled from the same catalog rows by the deparser shortcuts
 * (schema-deparse.ts, a speed trick with its switch and equivalence test).
 */

const META_SQL = `
SELECT set_config('jit', 'off', true) AS jit,
       current_setting('server_version') AS version, current_setting('server_version_num')::int AS version_num,
       current_setting('fsync') AS fsync,
       current_database() AS database,
       coalesce(has_table_privilege(to_regclass('public.pgmigrations'), 'SELECT'), false) AS migrations_readable,
       (SELECT coalesce(json_agg(json_build_object(
          'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper, 'bypassRls', r.rolbypassrls,
          'createRole', r.rolcreaterole, 'createDb', r.rolcreatedb, 'replication', r.rolreplication,
          'bootstrap', r.oid = 10,
          'memberOf', ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                             WHERE m.member = r.oid ORDER BY g.rolname)) ORDER BY r.rolname), '[]')
          FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%') AS roles,
       (SELECT coalesce(json_agg(json_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname) ORDER BY e.extname), '[]')
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace) AS extensions,
       (SELECT coalesce(json_agg(json_build_object(
                 'schema', f.schema, 'name', f.name, 'arguments', f.arguments, 'returns', f.returns, 'language', f.language,
                 'owner', f.owner, 'securityDefiner', f.security_definer, 'config', f.config, 'source', f.source)
                 ORDER BY f.schema, f.name, f.arguments), '[]')
          FROM (SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS arguments,
                       CASE WHEN p.prokind IN ('f', 'w') THEN pg_get_function_result(p.oid) END AS returns,
                       l.lanname AS language, pg_get_userbyid(p.proowner) AS owner, p.prosecdef AS security_definer,
                       coalesce(p.proconfig, '{}')::text[] AS config,
                       CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN p.prosrc END AS source
                  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
                 WHERE ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_proc', 'p')}) f) AS functions`;

/**
 * The tables query. Every JSON array below is positional (see the Raw* types); `shortcuts`
 * enables the assembled definitions (the SQL names catalog columns that exist from 15 on).
 */
export function tablesSql(shortcuts: boolean, part = 0, parts = 1): string {
  // The referenced relation is one the collector reads (the predicate of `rel`, on fc/fn):
  // its column names come from its own columns row, whichever part of the query carries it.
  const refRead = `(fc.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_NAMESPACE.replaceAll('n.nspname', 'fn.nspname')} AND ${NOT_EXTENSION_MEMBER('pg_class', 'fc')})`;
  const short = shortcuts ? shortcutSql(refRead) : null;
  // A definition is left NULL (assembled in introspectSchema) only when the shortcut holds.
  const def = (fn: string, shortcut: 'constraint' | 'index') => (short ? `CASE WHEN ${short[shortcut]} THEN NULL ELSE ${fn} END` : fn);
  return `
WITH rel AS MATERIALIZED (
  SELECT * FROM (
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relowner, c.relispartition, c.relrowsecurity, c.relforcerowsecurity, c.relacl,
           (row_number() OVER (ORDER BY n.nspname, c.relname))::int AS rn
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_NAMESPACE} AND ${NOT_EXTENSION_MEMBER('pg_class', 'c')}) s
  ${parts > 1 ? `WHERE s.rn % ${parts} = ${part}` : ''}
)
SELECT r.rn, r.nspname AS schema, r.relname AS name, r.relkind::text AS kind, pg_get_userbyid(r.relowner) AS owner,
       r.relispartition AS is_partition, r.relrowsecurity AS rls_enabled, r.relforcerowsecurity AS rls_forced,
       CASE WHEN r.relispartition THEN (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
         JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = r.oid) END AS partition_of,
       td.description AS comment, quote_ident(r.nspname) || '.' || quote_ident(r.relname) AS quoted,
       cols.j AS columns, cons.j AS constraints, idx.j AS indexes, trg.j AS triggers, pol.j AS policies,
       (SELECT json_agg(json_build_array(CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END, g.privilege_type, g.is_grantable))
          FROM aclexplode(coalesce(r.relacl, acldefault('r', r.relowner))) g) AS grants
  FROM rel r
  LEFT JOIN pg_description td ON td.objoid = r.oid AND td.classoid = 'pg_class'::regclass AND td.objsubid = 0
  LEFT JOIN (SELECT a.attrelid, json_agg(json_build_array(a.attnum, a.attname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                      a.attnotnull, pg_get_expr(d.adbin, d.adrelid), cd.description) ORDER BY a.attnum) AS j
               FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               LEFT JOIN pg_description cd ON cd.objoid = a.attrelid AND cd.classoid = 'pg_class'::regclass AND cd.objsubid = a.attnum
              WHERE a.attnum > 0 AND NOT a.attisdropped
              GROUP BY a.attrelid) cols ON cols.attrelid = r.oid
  LEFT JOIN (SELECT con.conrelid, json_agg(json_build_array(con.conname, con.contype, ${def('pg_get_constraintdef(con.oid)', 'constraint')},
                      con.conkey,
                      CASE WHEN 0 > ANY (con.conkey) THEN ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) END,
                      CASE WHEN con.contype = 'f' THEN fn.nspname END, CASE WHEN con.contype = 'f' THEN fc.relname END,
                      CASE WHEN con.contype = 'f' AND NOT ${refRead} THEN ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) END,
                      con.confdeltype, con.confupdtype, con.confkey, ${short?.refQuoted ?? 'NULL'},
                      con.confmatchtype, con.condeferrable, con.condeferred, con.convalidated) ORDER BY con.conname) AS j
               FROM rel JOIN pg_constraint con ON con.conrelid = rel.oid
               LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
               LEFT JOIN pg_index ci ON ci.indexrelid = con.conindid AND con.contype IN ('p', 'u')
              GROUP BY con.conrelid) cons ON cons.conrelid = r.oid
  LEFT JOIN (SELECT x.indrelid, json_agg(json_build_array(i.relname, x.indisunique, x.indisprimary, x.indpred IS NOT NULL,
                      ${def('pg_get_indexdef(x.indexrelid)', 'index')}, quote_ident(i.relname), quote_ident(am.amname), x.indkey::int2[]) ORDER BY i.relname) AS j
               FROM rel JOIN pg_index x ON x.indrelid = rel.oid JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
               ${short?.indexKeysJoin ?? ''}
              GROUP BY x.indrelid) idx ON idx.indrelid = r.oid
  LEFT JOIN (SELECT t.tgrelid, json_agg(json_build_array(t.tgname, pn.nspname || '.' || p.proname, t.tgenabled, t.tgtype, t.tgqual IS NOT NULL,
                      t.tgattr::int2[], pg_get_triggerdef(t.oid)) ORDER BY t.tgname) AS j
               FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
              WHERE NOT t.tgisinternal
              GROUP BY t.tgrelid) trg ON trg.tgrelid = r.oid
  LEFT JOIN (SELECT p.polrelid, json_agg(json_build_array(p.polname, p.polpermissive, p.polcmd,
                      (SELECT coalesce(array_agg(x.role ORDER BY x.role), '{}') FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END AS role FROM unnest(p.polroles) r) x),
                      pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))) AS j
               FROM rel JOIN pg_policy p ON p.polrelid = rel.oid
              GROUP BY p.polrelid) pol ON pol.polrelid = r.oid
 ORDER BY r.rn`;
}

// Positional rows of the tables query.
type RawColumn = [attnum: number, name: string, quoted: string, type: string, notNull: boolean, dflt: string | null, comment: string | null];
type RawConstraint = [
  name: string,
  kind: string,
  definition: string | null,
  conkey: number[] | null,
  systemColumns: string[] | null,
  refSchema: string | null,
  refTable: string | null,
  refColumnsOutside: string[] | null,
  onDelete: string,
  onUpdate: string,
  confkey: number[] | null,
  refQuoted: string | null,
  match: string,
  deferrable: boolean,
  deferred: boolean,
  validated: boolean,
];
type RawIndex = [name: string, unique: boolean, primary: boolean, partial: boolean, definition: string | null, quoted: string, am: string, indkey: number[]];
type RawTrigger = [name: string, fn: string, enabled: 'O' | 'D' | 'R' | 'A', type: number, conditional: boolean, tgattr: number[] | null, definition: string];
type RawPolicy = [name: string, permissive: boolean, command: string, roles: string[], using: string | null, withCheck: string | null];
type RawGrant = [grantee: string, privilege: string, grantable: boolean];
interface RawTable {
  rn: number;
  schema: string;
  name: string;
  kind: string;
  owner: string;
  is_partition: boolean;
  partition_of: string | null;
  rls_enabled: boolean;
  rls_forced: boolean;
  comment: string | null;
  quoted: string;
  columns: RawColumn[] | null;
  constraints: RawConstraint[] | null;
  indexes: RawIndex[] | null;
  triggers: RawTrigger[] | null;
  policies: RawPolicy[] | null;
  grants: RawGrant[] | null;
}

/** Byte order of UTF-8, as PostgreSQL's "C" collation (the `name` type) sorts. */
function compareC(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

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

/**
 * Introspects a database through `sql`; a fixed number of queries whatever its size.
 * `more`: connections on the same snapshot (runCollectors' `ctx.parallel`); the tables
 * query is then split into one part per connection (every n-th relation in name order),
 * run at the same time, so the server deparses and aggregates on several backends.
 */
export async function introspectSchema(sql: Sql, more: readonly Sql[] = []): Promise<SchemaFacts> {
  const [meta] = await sql<{
    version: string;
    version_num: number;
    fsync: 'on' | 'off';
    database: string;
    migrations_readable: boolean;
    roles: z.output<typeof RoleSchema>[];
    extensions: { name: string; version: string; schema: string }[];
    functions: FunctionFacts[];
  }>(META_SQL);
  const shortcuts = deparserShortcuts(meta.version_num);
  const connections = [sql, ...more];
  // attnum -> [name, quoted name], per table (schema \0 name), for the columns of
  // constraints and triggers and the assembled definitions.
  const attributes = new Map<string, Map<number, RawColumn>>();
  const names = (byNum: Map<number, RawColumn>, nums: number[] | null, at: 1 | 2): string[] => {
    const out: string[] = [];
    for (const n of nums ?? []) {
      const c = byNum.get(n);
      if (c) out.push(c[at]);
    }
    return out;
  };
  // Each part is assembled as it arrives, while the others are still running; a foreign
  // key may name a table of another part, so foreign keys are completed once all are in.
  const tables: TableFacts[] = [];
  const foreignKeys: (() => void)[] = [];
  const assemble = (rows: RawTable[]): void => {
    for (const r of rows) {
      const byNum = new Map<number, RawColumn>();
      for (const c of r.columns ?? []) byNum.set(c[0], c);
      attributes.set(`${r.schema}\u0000${r.name}`, byNum);
    }
    // `rn` is the relation's place in the whole list (name order).
    for (const r of rows) tables[r.rn - 1] = table(r);
  };
  const [, migrationRows] = await Promise.all([
    Promise.all(connections.map((q, i) => q<RawTable & Record<string, unknown>>(tablesSql(shortcuts, i, connections.length)).then(assemble))),
    // After its part of the tables query on the same connection (queries on one client run in order).
    meta.migrations_readable ? sql<{ name: string }>('SELECT name FROM public.pgmigrations ORDER BY run_on, id') : null,
  ]);
  for (const complete of foreignKeys) complete();
  const migrations = migrationRows ? migrationRows.map((r) => r.name) : null;

  function constraint(c: RawConstraint, byNum: Map<number, RawColumn>): z.output<typeof ConstraintSchema> {
    const [name, kind, definition, conkey, systemColumns, refSchema, refTable, refColumnsOutside, onDelete, onUpdate, confkey, refQuoted, match, deferrable, deferred, validated] = c;
    // The referenced table is one the collector reads, or its column names came with the row.
    const refNum = kind === 'f' ? attributes.get(`${refSchema}\u0000${refTable}`) : undefined;
    const def =
      definition ??
      constraintDefinition({
        kind,
        columns: names(byNum, conkey, 2),
        refQuoted,
        refColumns: kind === 'f' ? names(refNum!, confkey, 2) : [],
        match,
        onUpdate,
        onDelete,
        deferrable,
        deferred,
        validated,
      });
    return {
      columns: systemColumns ?? names(byNum, conkey, 1),
      definition: def,
      kind: CONSTRAINT_KINDS[kind] ?? kind,
      name,
      references:
        kind === 'f'
          ? { columns: refColumnsOutside ?? names(refNum!, confkey, 1), onDelete: FK_ACTIONS[onDelete] ?? onDelete, onUpdate: FK_ACTIONS[onUpdate] ?? onUpdate, table: `${refSchema}.${refTable}` }
          : null,
    };
  }

  function table(r: RawTable): TableFacts {
    const byNum = attributes.get(`${r.schema}\u0000${r.name}`)!;
    return {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.kind] ?? r.kind,
      owner: r.owner,
      isPartition: r.is_partition,
      partitionOf: r.partition_of,
      rls: { enabled: r.rls_enabled, forced: r.rls_forced },
      comment: r.comment,
      columns: (r.columns ?? []).map((c) => ({ name: c[1], type: c[3], notNull: c[4], default: c[5], comment: c[6] })),
      constraints: (r.constraints ?? []).map((c) => {
        if (c[1] !== 'f') return constraint(c, byNum);
        const fk = { name: c[0] } as z.output<typeof ConstraintSchema>;
        foreignKeys.push(() => Object.assign(fk, constraint(c, byNum)));
        return fk;
      }),
      indexes: (r.indexes ?? []).map(([name, unique, primary, partial, definition, quoted, am, indkey]) => ({
        name,
        unique,
        primary,
        partial,
        definition: definition ?? indexDefinition({ unique, quoted, tableQuoted: r.quoted, am, columns: names(byNum, indkey, 2) }),
      })),
      triggers: (r.triggers ?? []).map(([name, fn, enabled, type, conditional, tgattr, definition]) => ({
        name,
        function: fn,
        enabled,
        ...decodeTrigger(type),
        conditional,
        updateColumns: names(byNum, tgattr, 1).sort(compareC),
        definition,
      })),
      policies: (r.policies ?? [])
        .map(([name, permissive, command, roles, using, withCheck]) => ({ name, permissive, roles, command: POLICY_COMMANDS[command] ?? command, using, withCheck }))
        .sort(byKey((p) => p.name)),
      grants: (r.grants ?? [])
        .map(([grantee, privilege, grantable]) => ({ key: `${grantee}\u0000${privilege}`, grant: { grantee, privilege, grantable } }))
        .sort(byKey((g) => g.key))
        .map((g) => g.grant),
    };
  }

  return {
    server: { fsync: meta.fsync, version: meta.version, versionNum: meta.version_num },
    database: meta.database,
    tables,
    functions: meta.functions,
    roles: meta.roles,
    extensions: meta.extensions,
    migrations,
  };
}

export default defineCollector({
  id: 'schema',
  version: '1.1.0',
  description: 'Tables, columns, constraints, indexes, triggers, row-level security, grants, roles, extensions and migration state, from the system catalogs.',
  needsDatabase: true,
  facts: SchemaFactsSchema,
  connections: 1,
  collect: (ctx) => introspectSchema(ctx.sql, ctx.parallel),
});
