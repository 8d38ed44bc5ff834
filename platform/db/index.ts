/**
 * Database access for every part of the project.
 *
 * With `DATABASE_URL` set we use that server (it must allow creating roles);
 * otherwise an embedded PostgreSQL 17 is started under `.data/`. Either way the
 * caller gets one pool per role, never the admin connection.
 */
import pg from 'pg';
import { startEmbedded } from './embedded.ts';
import { bootstrapRoles, roleUrl, ROLES, type RoleKind } from './roles.ts';
import { EnvironmentError } from '../kernel/errors.ts';

// int8 and numeric as JS numbers would silently lose precision; keep bigint ids as strings
// but parse counts we know are small where they are read.
export interface Database {
  /** The superuser / DATABASE_URL connection string; used only for bootstrap and tests.
   *  Empty for a gate opened with role credentials alone (openGateDatabase). */
  adminUrl: string;
  /** Whether a credential for this role is available (a gate may have only the reader's). */
  has(role: RoleKind): boolean;
  /** `owner`, `app` or `reader` connection string for this database. */
  url(role: RoleKind): string;
  pool(role: RoleKind): pg.Pool;
  /** True when this process started the embedded server. */
  embedded: boolean;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE = 'trust';

async function ensureDatabase(serverAdminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverAdminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!r.rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
  const u = new URL(serverAdminUrl);
  u.pathname = '/' + name;
  return u.toString();
}

export interface OpenOptions {
  /** Explicit admin URL (tests); defaults to DATABASE_URL, then the embedded server. */
  adminUrl?: string;
  /** Database name on the embedded server. */
  database?: string;
  onLog?: (m: string) => void;
}

/** Connects to the platform database, bootstrapping roles; throws EnvironmentError when unreachable. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  let adminUrl = opts.adminUrl ?? envDatabaseUrl('DATABASE_URL');
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const cluster = await startEmbedded({ onLog: opts.onLog });
    stopEmbedded = cluster.stop;
    adminUrl = await ensureDatabase(cluster.adminUrl, opts.database ?? DEFAULT_DATABASE);
  }
  try {
    await bootstrapRoles(adminUrl);
  } catch (e) {
    const where = safeUrl(adminUrl);
    await stopEmbedded?.();
    throw new EnvironmentError(`cannot prepare the database at ${where}: ${(e as Error).message}`, { cause: e });
  }
  const finalAdmin = adminUrl;
  return databaseOf(finalAdmin, (role) => roleUrl(finalAdmin, role), stopEmbedded);
}

function databaseOf(adminUrl: string, urlOf: (role: RoleKind) => string | undefined, stopEmbedded?: () => Promise<void>): Database {
  const pools = new Map<RoleKind, pg.Pool>();
  const url = (role: RoleKind): string => {
    const u = urlOf(role);
    if (!u) throw new EnvironmentError(`no credential for the ${ROLES[role]} role was given`);
    return u;
  };
  return {
    adminUrl,
    has: (role) => urlOf(role) !== undefined,
    embedded: Boolean(stopEmbedded),
    url,
    pool(role) {
      let p = pools.get(role);
      if (!p) {
        p = new pg.Pool({ connectionString: url(role), max: 10 });
        // An idle client's error (server shut down) must not crash the process.
        p.on('error', () => {});
        pools.set(role, p);
      }
      return p;
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end()));
      pools.clear();
      await stopEmbedded?.();
    },
  };
}

/**
 * Opens the platform database for the gate, which only observes: no role bootstrap, no
 * database creation, no DDL. Credentials, first found wins:
 * - the reader: `TRUST_READER_URL`, else derived from `DATABASE_URL` (roles are set up by
 *   `trust migrate`), else the embedded server's;
 * - the runtime role, for enforcement probes only: `TRUST_RUNTIME_URL`, else derived the
 *   same way; absent when only `TRUST_READER_URL` is given (probes are then skipped).
 * A drifted role is therefore observed as it is, never healed before collection.
 */
export async function openGateDatabase(opts: { onLog?: (m: string) => void } = {}): Promise<Database> {
  const readerUrl = envDatabaseUrl('TRUST_READER_URL');
  const runtimeUrl = envDatabaseUrl('TRUST_RUNTIME_URL');
  let adminUrl = envDatabaseUrl('DATABASE_URL');
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl && !readerUrl) {
    const cluster = await startEmbedded({ onLog: opts.onLog });
    stopEmbedded = cluster.stop;
    const u = new URL(cluster.adminUrl);
    u.pathname = '/' + DEFAULT_DATABASE;
    adminUrl = u.toString();
  }
  const admin = adminUrl;
  const urls: Partial<Record<RoleKind, string>> = {
    reader: readerUrl ?? (admin ? roleUrl(admin, 'reader') : undefined),
    app: runtimeUrl ?? (admin ? roleUrl(admin, 'app') : undefined),
  };
  const db = databaseOf('', (role) => urls[role], stopEmbedded);
  // Fail early, with the cause, when the reader cannot log in (not migrated, wrong URL).
  const probe = new pg.Client({ connectionString: urls.reader });
  try {
    await probe.connect();
  } catch (e) {
    await stopEmbedded?.();
    const hint = readerUrl ? 'TRUST_READER_URL' : 'the reader role derived from ' + (adminUrl && !stopEmbedded ? 'DATABASE_URL' : 'the embedded server');
    // A refused login or a missing database usually means the roles were never set up.
    const code = (e as { code?: string }).code ?? '';
    const advice = ['28P01', '28000', '3D000'].includes(code) ? '; run `npx trust migrate` (or `npm start`) first' : '';
    throw new EnvironmentError(`cannot connect as ${hint} (${safeUrl(urls.reader!)}): ${(e as Error).message}${advice}`, { cause: e });
  } finally {
    await probe.end().catch(() => {});
  }
  return db;
}

/**
 * The connection URL held by an environment variable, or a one-line EnvironmentError
 * naming the variable (never its value, which may hold a password). Without this check
 * `DATABASE_URL=notaurl` reached the driver, which read it as a host name and failed
 * with a DNS error naming neither the variable nor the mistake.
 */
export function envDatabaseUrl(variable: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[variable];
  if (value === undefined || value === '') return undefined;
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (!u || !/^postgres(ql)?:$/.test(u.protocol) || !u.hostname) {
    throw new EnvironmentError(`${variable} is not a PostgreSQL connection URL; expected postgres://user:password@host:5432/database`);
  }
  return value;
}

/** A connection string with the password removed, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
