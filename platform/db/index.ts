/**
 * Database access for every part of the project.
 *
 * With `DATABASE_URL` set we use that server (it must allow creating roles);
 * otherwise an embedded PostgreSQL 17 is started under `.data/`. Either way the
 * caller gets one pool per role, never the admin connection.
 */
import pg from 'pg';
import { startEmbedded } from './embedded.ts';
import { bootstrapRoles, roleUrl, type RoleKind } from './roles.ts';
import { EnvironmentError } from '../errors.ts';

// int8 and numeric as JS numbers would silently lose precision; keep bigint ids as strings
// but parse counts we know are small where they are read.
export interface Database {
  /** The superuser / DATABASE_URL connection string; used only for bootstrap and tests. */
  adminUrl: string;
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
  let adminUrl = opts.adminUrl ?? process.env.DATABASE_URL;
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
  const pools = new Map<RoleKind, pg.Pool>();
  const finalAdmin = adminUrl;
  return {
    adminUrl: finalAdmin,
    embedded: Boolean(stopEmbedded),
    url: (role) => roleUrl(finalAdmin, role),
    pool(role) {
      let p = pools.get(role);
      if (!p) {
        p = new pg.Pool({ connectionString: roleUrl(finalAdmin, role), max: 10 });
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
