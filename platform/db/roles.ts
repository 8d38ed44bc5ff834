/**
 * The three database roles. Separating them is what lets the database, not the
 * application, enforce the promises:
 * - owner: owns the schema, runs migrations and writes audit checkpoints; held to FORCE ROW
 *   LEVEL SECURITY and the audit triggers only while it leaves them on (it owns them), so
 *   only an external log protects against it (README: what each role can and cannot do);
 * - app: the platform's runtime role, neither superuser nor BYPASSRLS;
 * - reader: what collectors log in as; SELECT only, used in READ ONLY transactions.
 */
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { quoteIdent } from './quote-ident.ts';

export const ROLES = {
  owner: 'trust_owner',
  app: 'trust_app',
  reader: 'trust_reader',
} as const;
export type RoleKind = keyof typeof ROLES;

/**
 * Role passwords are derived from the admin connection string, so every process
 * that can reach the admin URL computes the same password without storing it.
 * Anyone holding the admin URL already has full control, so nothing is lost.
 * Only the cluster's credentials and host count, not the database (roles are
 * cluster-wide, so opening a second database on the same cluster must not change
 * them) and not the port: the embedded server listens on a free port chosen at each
 * start, and the read-only gate, which never re-keys a role, must still log in as the
 * roles `npm start` set up.
 */
export function rolePassword(adminUrl: string, role: RoleKind): string {
  const u = new URL(adminUrl);
  const clusterKey = `${u.protocol}//${u.username}:${u.password}@${u.hostname}`;
  return createHmac('sha256', clusterKey).update(`trust-role:${role}`).digest('base64url');
}

export function roleUrl(adminUrl: string, role: RoleKind, database?: string): string {
  const u = new URL(adminUrl);
  u.username = ROLES[role];
  u.password = rolePassword(adminUrl, role);
  if (database) u.pathname = '/' + database;
  return u.toString();
}

/** Creates or updates the three roles and their database-level grants. Idempotent. */
export async function bootstrapRoles(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // Roles are cluster-wide; serialize concurrent bootstraps (parallel test files).
    await client.query('SELECT pg_advisory_lock(872341)');
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    for (const kind of Object.keys(ROLES) as RoleKind[]) {
      const name = ROLES[kind];
      const pw = rolePassword(adminUrl, kind);
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      const attrs = 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION';
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${quoteIdent(name)} WITH ${attrs} PASSWORD ${client.escapeLiteral(pw)}`);
    }
    await client.query(`GRANT CONNECT, CREATE ON DATABASE ${quoteIdent(db)} TO ${ROLES.owner}`);
    await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(db)} TO ${ROLES.app}, ${ROLES.reader}`);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${ROLES.owner}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${ROLES.app}, ${ROLES.reader}`);
    // The reader sees the catalogs and statistics views it needs to introspect.
    await client.query(`GRANT pg_read_all_settings, pg_read_all_stats TO ${ROLES.reader}`);
    // ...and pg_hba.conf as the server reads it (database_connections_tls: platform roles only
    // over hostssl). Only a superuser may grant this; without it the control reports that it
    // could not read the rules rather than guessing.
    await client.query(`GRANT SELECT ON pg_hba_file_rules TO ${ROLES.reader}; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO ${ROLES.reader}`).catch(() => {});
    // btree_gist backs the exclusion constraints; creating it needs more than the owner has on PG15.
    await client.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
  } finally {
    await client.query('SELECT pg_advisory_unlock(872341)').catch(() => {});
    await client.end();
  }
}
