/**
 * The access collector: what the platform's database roles can *effectively* do, as
 * PostgreSQL itself computes it, not as the grant lists read.
 *
 * A grant list (relacl) misses privileges that arrive another way: a grant to PUBLIC, a
 * grant to a role the role is a member of (directly or through a chain), column-level
 * grants, ownership, superuser. has_table_privilege() and friends answer with every one of
 * those taken into account, so the facts here are those answers, for the runtime role
 * (trust_app), the reader (trust_reader) and the owner (trust_owner), over every relation
 * and schema the schema collector reads. Default privileges need no separate answer for
 * existing tables (they were copied into each table's ACL when it was created); the ones
 * that will apply to future tables are reported as they stand.
 *
 * One query whatever the number of tables (set-based: roles x relations x privileges).
 * Observes only; the checks (role_not_privileged, role_read_only, table_append_only) judge.
 */
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import { ROLES } from '../platform/db/roles.ts';

export const RoleAccessSchema = z.object({
  bypassRls: z.boolean(),
  /** Settings imposed at login in this database (`ALTER ROLE ... [IN DATABASE ...] SET`), e.g. `session_replication_role=replica`. */
  config: z.array(z.string()),
  createDb: z.boolean(),
  createRole: z.boolean(),
  inherit: z.boolean(),
  login: z.boolean(),
  /**
   * Every role it is a member of, directly or through other roles (pg_auth_members, followed
   * transitively, whatever the INHERIT options: a member can SET ROLE to any of them), with the
   * intermediate roles of the shortest chain (`via`, empty for a direct grant). Predefined
   * roles (pg_*) included.
   */
  memberOf: z.array(z.object({ role: z.string(), via: z.array(z.string()) })),
  name: z.string(),
  /** Owns the current database (and so is a member of pg_database_owner). */
  ownsDatabase: z.boolean(),
  replication: z.boolean(),
  superuser: z.boolean(),
});

export const AccessFactsSchema = z.object({
  /**
   * Default privileges (pg_default_acl) on tables that go to one of the platform roles or to
   * PUBLIC: what every table created later by `owner` (in `schema`, or anywhere when null) will grant.
   */
  defaultPrivileges: z.array(z.object({ grantee: z.string(), owner: z.string(), privilege: z.string(), schema: z.string().nullable() })),
  /**
   * Effective privileges per role and relation, only where the role holds at least one.
   * Tables and views: SELECT/INSERT/UPDATE/REFERENCES held on the table or on any column
   * (has_any_column_privilege), DELETE/TRUNCATE/TRIGGER (and MAINTAIN from PostgreSQL 17)
   * by has_table_privilege; sequences: SELECT/USAGE/UPDATE by has_sequence_privilege.
   */
  relations: z.array(
    z.object({
      /** table, partitioned_table, view, materialized_view, foreign_table, sequence */
      kind: z.string(),
      name: z.string(),
      privileges: z.array(z.string()),
      role: z.string(),
      schema: z.string(),
    }),
  ),
  roles: z.array(RoleAccessSchema),
  /** Effective CREATE / USAGE per role and application schema, only where held. */
  schemas: z.array(z.object({ privileges: z.array(z.string()), role: z.string(), schema: z.string() })),
});
export type AccessFacts = z.output<typeof AccessFactsSchema>;
export type RoleAccess = z.output<typeof RoleAccessSchema>;

// The same relations and schemas as the schema collector reads (collectors/schema.ts).
const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;
const KINDS: Record<string, string> = { r: 'table', p: 'partitioned_table', v: 'view', m: 'materialized_view', f: 'foreign_table', S: 'sequence' };

/*
 * Column-level privileges are folded in for SELECT/INSERT/UPDATE/REFERENCES: a role that may
 * UPDATE one column of audit_events can rewrite history as surely as one that may UPDATE the
 * table. The privilege lists are chosen per row (CASE), so MAINTAIN is never asked of a server
 * that does not know it.
 */
const ACCESS_SQL = `
WITH RECURSIVE ro AS (
  SELECT r.oid, r.rolname FROM pg_roles r WHERE r.rolname = ANY ($1::text[])
), chain(member, roleid, via, depth) AS (
  SELECT m.member, m.roleid, ARRAY[]::name[], 1 FROM pg_auth_members m JOIN ro ON ro.oid = m.member
  UNION ALL
  SELECT c.member, m.roleid, c.via || pg_get_userbyid(c.roleid), c.depth + 1
    FROM chain c JOIN pg_auth_members m ON m.member = c.roleid
   WHERE c.depth < 32 -- PostgreSQL refuses circular membership; the bound only guards the query
), member_of AS (
  SELECT DISTINCT ON (member, roleid) member, pg_get_userbyid(roleid)::text AS role, via
    FROM chain ORDER BY member, roleid, depth
), rel AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${USER_NAMESPACE}
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
), held AS (
  SELECT ro.rolname, rel.nspname, rel.relname, rel.relkind,
         ARRAY(SELECT p FROM unnest(CASE
                 WHEN rel.relkind = 'S' THEN ARRAY['SELECT', 'UPDATE', 'USAGE']
                 WHEN current_setting('server_version_num')::int >= 170000 THEN ARRAY['DELETE', 'INSERT', 'MAINTAIN', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE']
                 ELSE ARRAY['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'] END) p
                WHERE CASE WHEN rel.relkind = 'S' THEN has_sequence_privilege(ro.oid, rel.oid, p)
                           WHEN p IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') THEN has_any_column_privilege(ro.oid, rel.oid, p)
                           ELSE has_table_privilege(ro.oid, rel.oid, p) END
                ORDER BY p COLLATE "C") AS privileges
    FROM ro CROSS JOIN rel
)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
            'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper, 'bypassRls', r.rolbypassrls,
            'createRole', r.rolcreaterole, 'createDb', r.rolcreatedb, 'replication', r.rolreplication, 'inherit', r.rolinherit,
            'config', ARRAY(SELECT c FROM pg_db_role_setting s, unnest(s.setconfig) c
                             WHERE s.setrole = r.oid AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
                             ORDER BY c COLLATE "C"),
            'ownsDatabase', r.oid = (SELECT datdba FROM pg_database WHERE datname = current_database()),
            'memberOf', coalesce((SELECT json_agg(json_build_object('role', m.role, 'via', m.via) ORDER BY m.role COLLATE "C")
                                    FROM member_of m WHERE m.member = r.oid), '[]'))
          ORDER BY r.rolname COLLATE "C"), '[]')
     FROM pg_roles r JOIN ro ON ro.oid = r.oid) AS roles,
  (SELECT coalesce(json_agg(json_build_array(h.rolname, h.nspname, h.relname, h.relkind, h.privileges)
          ORDER BY h.rolname COLLATE "C", h.nspname COLLATE "C", h.relname COLLATE "C"), '[]')
     FROM held h WHERE cardinality(h.privileges) > 0) AS relations,
  (SELECT coalesce(json_agg(json_build_array(s.rolname, s.nspname, s.privileges) ORDER BY s.rolname COLLATE "C", s.nspname COLLATE "C"), '[]')
     FROM (SELECT ro.rolname, n.nspname,
                  ARRAY(SELECT p FROM unnest(ARRAY['CREATE', 'USAGE']) p WHERE has_schema_privilege(ro.oid, n.oid, p) ORDER BY p) AS privileges
             FROM ro CROSS JOIN pg_namespace n WHERE ${USER_NAMESPACE}) s
    WHERE cardinality(s.privileges) > 0) AS schemas,
  (SELECT coalesce(json_agg(json_build_array(d.owner, d.schema, d.grantee, d.privilege)
          ORDER BY d.owner COLLATE "C", d.schema COLLATE "C" NULLS FIRST, d.grantee COLLATE "C", d.privilege COLLATE "C"), '[]')
     FROM (SELECT DISTINCT pg_get_userbyid(da.defaclrole)::text AS owner, dn.nspname::text AS schema,
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END AS grantee, a.privilege_type AS privilege
             FROM pg_default_acl da LEFT JOIN pg_namespace dn ON dn.oid = da.defaclnamespace, aclexplode(da.defaclacl) a
            WHERE da.defaclobjtype = 'r' AND (a.grantee = 0 OR a.grantee IN (SELECT oid FROM ro))) d) AS default_privileges`;

type Sql = CollectorContext['sql'];

/** Collects the access facts of `roles` (the platform's three by default) through `sql`: one query. */
export async function collectAccess(sql: Sql, roles: readonly string[] = Object.values(ROLES)): Promise<AccessFacts> {
  const [row] = await sql<{
    roles: RoleAccess[];
    relations: [string, string, string, string, string[]][];
    schemas: [string, string, string[]][];
    default_privileges: [string, string | null, string, string][];
  }>(ACCESS_SQL, [[...roles]]);
  return {
    roles: row.roles,
    relations: row.relations.map(([role, schema, name, kind, privileges]) => ({ role, schema, name, kind: KINDS[kind] ?? kind, privileges })),
    schemas: row.schemas.map(([role, schema, privileges]) => ({ role, schema, privileges })),
    defaultPrivileges: row.default_privileges.map(([owner, schema, grantee, privilege]) => ({ owner, schema, grantee, privilege })),
  };
}

export default defineCollector({
  id: 'access',
  version: '1.0.0',
  description:
    'Effective privileges of the platform roles (has_table_privilege semantics: PUBLIC, membership, column grants, ownership), their attributes, login settings and transitive role memberships, and default privileges for future tables.',
  needsDatabase: true,
  facts: AccessFactsSchema,
  collect: (ctx) => collectAccess(ctx.sql),
});
