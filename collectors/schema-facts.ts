/**
 * The schema collector's facts (collectors/schema.ts): their shapes, as zod schemas, and types.
 * No OIDs: every object is named.
 */
import { z } from 'zod';

// Every object shape below lists its keys in code-point order: zod builds its output in
// shape order, so the facts come out of validation already in the order sortDeep wants
// (which then copies nothing).
export const ColumnSchema = z.object({
  comment: z.string().nullable(),
  default: z.string().nullable(),
  name: z.string(),
  notNull: z.boolean(),
  /** format_type(): `text`, `character varying(64)`, `timestamp with time zone`. */
  type: z.string(),
});
export const ConstraintSchema = z.object({
  columns: z.array(z.string()),
  /** pg_get_constraintdef(): `CHECK ((password_hash ~ ...))`, `EXCLUDE USING gist (...)`. */
  definition: z.string(),
  /** primary_key, unique, foreign_key, check, exclusion, trigger, not_null */
  kind: z.string(),
  name: z.string(),
  references: z
    .object({
      columns: z.array(z.string()),
      /** no_action, restrict, cascade, set_null, set_default */
      onDelete: z.string(),
      onUpdate: z.string(),
      table: z.string(),
    })
    .nullable(),
});
export const IndexSchema = z.object({ definition: z.string(), name: z.string(), partial: z.boolean(), primary: z.boolean(), unique: z.boolean() });
export const TriggerSchema = z.object({
  /** Has a WHEN condition: it fires only for some rows. */
  conditional: z.boolean(),
  definition: z.string(),
  /** O origin/local (enabled), D disabled, R replica only, A always. */
  enabled: z.enum(['O', 'D', 'R', 'A']),
  events: z.array(z.enum(['insert', 'update', 'delete', 'truncate'])),
  /** `schema.function` the trigger calls; its source is in `functions`. */
  function: z.string(),
  level: z.enum(['row', 'statement']),
  name: z.string(),
  timing: z.enum(['before', 'after', 'instead_of']),
  /** For UPDATE OF col, ...: the columns it is limited to (empty = every column). */
  updateColumns: z.array(z.string()),
});
export const PolicySchema = z.object({
  /** all, select, insert, update, delete */
  command: z.string(),
  name: z.string(),
  permissive: z.boolean(),
  roles: z.array(z.string()),
  using: z.string().nullable(),
  withCheck: z.string().nullable(),
});
export const GrantSchema = z.object({ grantable: z.boolean(), grantee: z.string(), privilege: z.string() });
export const TableSchema = z.object({
  columns: z.array(ColumnSchema),
  comment: z.string().nullable(),
  constraints: z.array(ConstraintSchema),
  grants: z.array(GrantSchema),
  indexes: z.array(IndexSchema),
  isPartition: z.boolean(),
  /** table, partitioned_table, view, materialized_view, foreign_table */
  kind: z.string(),
  name: z.string(),
  owner: z.string(),
  /** The partitioned table this partition belongs to (`schema.name`), for checks that must hold on every partition. */
  partitionOf: z.string().nullable().optional(),
  policies: z.array(PolicySchema),
  rls: z.object({ enabled: z.boolean(), forced: z.boolean() }),
  schema: z.string(),
  triggers: z.array(TriggerSchema),
});
export const FunctionSchema = z.object({
  arguments: z.string(),
  /** proconfig entries such as `search_path=pg_catalog, public`. */
  config: z.array(z.string()),
  language: z.string(),
  name: z.string(),
  owner: z.string(),
  returns: z.string().nullable(),
  schema: z.string(),
  securityDefiner: z.boolean(),
  /** prosrc: the body for SQL and PL/pgSQL functions. */
  source: z.string().nullable(),
});
export const RoleSchema = z.object({
  /** The cluster's install superuser (created by initdb); it cannot be dropped. */
  bootstrap: z.boolean(),
  bypassRls: z.boolean(),
  createDb: z.boolean(),
  createRole: z.boolean(),
  login: z.boolean(),
  memberOf: z.array(z.string()),
  name: z.string(),
  replication: z.boolean(),
  superuser: z.boolean(),
});
export const SchemaFactsSchema = z.object({
  database: z.string(),
  extensions: z.array(z.object({ name: z.string(), schema: z.string(), version: z.string() })),
  functions: z.array(FunctionSchema),
  /** node-pg-migrate state; null when the database has no readable `pgmigrations` table. */
  migrations: z.array(z.string()).nullable(),
  roles: z.array(RoleSchema),
  /** fsync tells a disposable demo server (off) from one that keeps its data; reports state it. */
  server: z.object({ fsync: z.enum(['on', 'off']), version: z.string(), versionNum: z.number().int() }),
  tables: z.array(TableSchema),
});
export type SchemaFacts = z.output<typeof SchemaFactsSchema>;
export type TableFacts = z.output<typeof TableSchema>;
export type ColumnFacts = z.output<typeof ColumnSchema>;
export type TriggerFacts = z.output<typeof TriggerSchema>;
export type FunctionFacts = z.output<typeof FunctionSchema>;
