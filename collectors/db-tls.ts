/**
 * The db_tls collector: how the platform's database connections are protected in transit.
 * It records, without judging:
 * - the server's TLS settings (ssl, ssl_min_protocol_version, unix_socket_directories);
 * - the rules of pg_hba.conf as the server reads them (pg_hba_file_rules, granted to the
 *   reader by bootstrapRoles), each with the platform roles it applies to on this database
 *   (role names, `all`, `+group` membership; database `all`, this one, sameuser, samerole);
 * - every session of the runtime and reader roles on this database with its TLS state
 *   (pg_stat_ssl; the reader holds pg_read_all_stats, so it sees every session);
 * - how the gate's own clients connect (sslmode, pinned CA), and the server's answer to a
 *   login without TLS as the reader and, when the gate has its credential, the runtime role
 *   (collectors/transport.ts: no statement runs, nothing is committed).
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { ROLES } from '../platform/db/roles.ts';

const RoleKey = z.enum(['app', 'reader']);

export const DbTlsFactsSchema = z.object({
  database: z.string(),
  settings: z.object({ ssl: z.string().nullable(), minProtocol: z.string().nullable(), unixSockets: z.string().nullable() }),
  /** Null when the reader may not read pg_hba_file_rules (why in hbaError). */
  hba: z
    .array(
      z.object({
        line: z.number().int(),
        type: z.string(),
        database: z.array(z.string()),
        users: z.array(z.string()),
        address: z.string().nullable(),
        method: z.string().nullable(),
        /** Platform roles (app, reader) this rule applies to on this database. */
        appliesTo: z.array(RoleKey),
        error: z.string().nullable(),
      }),
    )
    .nullable(),
  hbaError: z.string().nullable(),
  /** Sessions of the platform roles on this database, one row per (role, ssl, version, application). */
  sessions: z.array(z.object({ role: RoleKey, ssl: z.boolean(), version: z.string().nullable(), application: z.string(), count: z.number().int() })),
  clients: z.array(z.object({ role: RoleKey, sslmode: z.string().nullable(), rootCert: z.boolean() })),
  /** Null when the collector had no transport access (run outside the gate's runner). */
  plaintextAttempts: z.array(z.object({ role: RoleKey, connected: z.boolean(), sqlstate: z.string().nullable(), message: z.string().nullable() })).nullable(),
  /** Platform roles whose probe could not run, with why (no credential). */
  notProbed: z.array(z.object({ role: RoleKey, reason: z.string() })),
});
export type DbTlsFacts = z.output<typeof DbTlsFactsSchema>;

export default defineCollector({
  id: 'db_tls',
  version: '1.0.0',
  description:
    "TLS of the platform database connections: server settings, pg_hba.conf rules per platform role, TLS of every runtime and reader session (pg_stat_ssl), the gate clients' verification, and the answer to a login without TLS.",
  needsDatabase: true,
  needsTransport: true,
  facts: DbTlsFactsSchema,
  async collect(ctx) {
    const [s] = await ctx.sql<{ db: string; ssl: string | null; min: string | null; sockets: string | null }>(`
      SELECT current_database() AS db, current_setting('ssl', true) AS ssl,
             current_setting('ssl_min_protocol_version', true) AS min, current_setting('unix_socket_directories', true) AS sockets`);
    const sessions = await ctx.sql<{ role: string; ssl: boolean | null; version: string | null; application: string; count: string }>(
      `
      SELECT a.usename::text AS role, coalesce(s.ssl, false) AS ssl, s.version, coalesce(a.application_name, '') AS application, count(*) AS count
        FROM pg_stat_activity a LEFT JOIN pg_stat_ssl s ON s.pid = a.pid
       WHERE a.usename IN ($1, $2) AND a.datname = current_database() AND a.backend_type = 'client backend'
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3 NULLS FIRST, 4`,
      [ROLES.app, ROLES.reader],
    );
    // pg_hba_file_rules is readable only when bootstrapRoles could grant it (a superuser
    // bootstrap); a savepoint keeps the read-only transaction usable when it was not.
    let hba: DbTlsFacts['hba'] = null;
    let hbaError: string | null = null;
    const [{ can }] = await ctx.sql<{ can: boolean }>(`SELECT has_function_privilege('pg_hba_file_rules()', 'EXECUTE') AND has_table_privilege('pg_hba_file_rules', 'SELECT') AS can`);
    if (!can)
      hbaError =
        'the reader role may not read pg_hba_file_rules (GRANT SELECT ON pg_hba_file_rules and EXECUTE ON FUNCTION pg_hba_file_rules() TO trust_reader, as `trust migrate` does on a superuser bootstrap)';
    else {
      const rows = await ctx.sql<{
        line: number;
        type: string;
        database: string[] | null;
        users: string[] | null;
        address: string | null;
        method: string | null;
        error: string | null;
        app: boolean;
        reader: boolean;
      }>(
        `
        WITH r AS (SELECT * FROM pg_hba_file_rules)
        SELECT r.line_number AS line, r.type, r.database, r.user_name AS users, r.address, r.auth_method AS method, r.error,
               m.app, m.reader
          FROM r CROSS JOIN LATERAL (
            SELECT bool_or(db_ok AND u_ok) FILTER (WHERE role = $1) AS app, bool_or(db_ok AND u_ok) FILTER (WHERE role = $2) AS reader
              FROM (SELECT role,
                           coalesce(r.database && ARRAY['all', current_database()::text]
                                    OR ('sameuser' = ANY (r.database) AND current_database() = role)
                                    OR ('samerole' = ANY (r.database) AND EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = current_database() AND pg_has_role(role, g.oid, 'MEMBER'))), false) AS db_ok,
                           coalesce(r.user_name && ARRAY['all', role]
                                    OR EXISTS (SELECT 1 FROM unnest(r.user_name) u JOIN pg_roles g ON '+' || g.rolname = u WHERE pg_has_role(role, g.oid, 'MEMBER')), false) AS u_ok
                      FROM unnest(ARRAY[$1, $2]::text[]) AS role) x) m
         ORDER BY r.line_number`,
        [ROLES.app, ROLES.reader],
      );
      hba = rows.map((r) => ({
        line: r.line,
        type: r.type,
        database: r.database ?? [],
        users: r.users ?? [],
        address: r.address,
        method: r.method,
        appliesTo: [...(r.app ? ['app' as const] : []), ...(r.reader ? ['reader' as const] : [])],
        error: r.error,
      }));
    }
    const roleKey = (name: string) => (name === ROLES.app ? 'app' : 'reader') as 'app' | 'reader';
    const t = ctx.transport;
    const attempts: NonNullable<DbTlsFacts['plaintextAttempts']> = [];
    const notProbed: DbTlsFacts['notProbed'] = [];
    if (t) {
      for (const role of ['reader', 'app'] as const) {
        const a = await t.attemptPlaintext(role);
        if (a) attempts.push(a);
        else notProbed.push({ role, reason: role === 'app' ? 'no runtime credential; set TRUST_RUNTIME_URL' : 'no reader credential' });
      }
    }
    return {
      database: s.db,
      settings: { ssl: s.ssl, minProtocol: s.min, unixSockets: s.sockets },
      hba,
      hbaError,
      sessions: sessions.map((r) => ({ role: roleKey(r.role), ssl: Boolean(r.ssl), version: r.version, application: r.application, count: Number(r.count) })),
      clients: t ? t.clients.map((c) => ({ role: c.role, sslmode: c.sslmode, rootCert: c.rootCert })) : [],
      plaintextAttempts: t ? attempts : null,
      notProbed,
    };
  },
});
