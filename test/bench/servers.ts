/**
 * The database servers a bench run uses, and throwaway `bench_*` databases on them.
 *
 * - The platform server: DATABASE_URL when set, else the embedded PostgreSQL 17.
 * - PostgreSQL 15, because Debian's pg_dump 15 (the schema-introspection reference)
 *   refuses to dump a newer server: TRUST_BENCH_PG15_URL (or TRUST_TEST_PG15_URL, which
 *   CI sets) when set, else a private cluster started from Debian's binaries in a
 *   temporary directory and removed afterwards, so the machine's own cluster is never touched.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { runChildOk } from './measure.ts';
import { SkipBenchmark } from './types.ts';

export const PG15_BIN = '/usr/lib/postgresql/15/bin';

export interface BenchServer {
  /** Superuser URL of the server (its default database). */
  adminUrl: string;
  /** `server_version` as the server reports it. */
  version: string;
  /** Drops (if left over) and creates a database; returns its superuser URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

/** A unique bench database name, so concurrent runs never collide. */
export function benchName(kind: string): string {
  return `bench_${kind}_${randomBytes(3).toString('hex')}`;
}

export async function adminQuery(url: string, text: string, params?: unknown[]): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

function serverOn(adminUrl: string, version: string, stop: () => Promise<void>): BenchServer {
  return {
    adminUrl,
    version,
    async createDatabase(name) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
      return withDatabase(adminUrl, name);
    },
    async dropDatabase(name) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    stop,
  };
}

async function serverVersion(url: string): Promise<string> {
  return (await adminQuery(url, 'SHOW server_version')).rows[0].server_version as string;
}

/** The platform's server: an explicit admin URL, DATABASE_URL, or the embedded PostgreSQL 17. */
export async function openPlatformServer(adminUrl?: string): Promise<BenchServer> {
  const url = adminUrl ?? process.env.DATABASE_URL;
  if (url) return serverOn(url, await serverVersion(url), async () => {});
  const { startEmbedded } = await import('../../platform/db/embedded.ts');
  const cluster = await startEmbedded();
  return serverOn(cluster.adminUrl, await serverVersion(cluster.adminUrl), cluster.stop);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** uid/gid to run PostgreSQL as: PostgreSQL refuses root, so root runs it as `postgres`. */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new SkipBenchmark('running as root and there is no `postgres` system user to run PostgreSQL 15 as');
  }
}

/** Why Debian's PostgreSQL 15 binaries cannot be used here, or null when they can. */
export function pg15Missing(tools: string[] = ['initdb', 'pg_ctl', 'pg_dump']): string | null {
  const absent = tools.filter((t) => !existsSync(path.join(PG15_BIN, t)));
  return absent.length ? `Debian's PostgreSQL 15 is not installed (${absent.map((t) => `${PG15_BIN}/${t}`).join(', ')} missing); install postgresql-15` : null;
}

/** A private PostgreSQL 15 cluster in a temporary directory, run as `postgres` when we are root. */
export interface Pg15Cluster {
  /** Superuser URL (scram password, 127.0.0.1, its own port, database `postgres`). */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** The `-o` options it was started with. */
  options: string;
  stop(): Promise<void>;
}

/**
 * initdb and pg_ctl start, in a new temporary directory removed by stop(). Durability is off
 * (a disposable bench and test cluster); loopback only, no Unix socket. initdb's pg_hba.conf
 * lets the superuser in with its password, replication connections from loopback included.
 */
export async function startPg15Cluster(): Promise<Pg15Cluster> {
  const missing = pg15Missing(['initdb', 'pg_ctl']);
  if (missing) throw new SkipBenchmark(missing);
  const user = postgresUser();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pg15-'));
  const dataDir = path.join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(path.join(dir, 'pw'), password + '\n', { mode: 0o600 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(path.join(dir, 'pw'), user.uid, user.gid);
  }
  chmodSync(dir, 0o700);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C' };
  const stop = async () => {
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await runChildOk(path.join(PG15_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { ...asUser, env, cwd: dir, timeoutMs: 60_000 }).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runChildOk(path.join(PG15_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--pwfile', path.join(dir, 'pw'), '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], {
      ...asUser,
      env,
      cwd: dir,
      timeoutMs: 120_000,
    });
    const port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c fsync=off -c max_connections=50`;
    await runChildOk(path.join(PG15_BIN, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'], { ...asUser, env, cwd: dir, timeoutMs: 120_000 });
    return { adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, port, dataDir, options, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** PostgreSQL 15: a configured URL, else a private throwaway cluster from Debian's binaries. */
export async function openPg15Server(): Promise<BenchServer> {
  const url = process.env.TRUST_BENCH_PG15_URL ?? process.env.TRUST_TEST_PG15_URL;
  if (url) {
    const version = await serverVersion(url);
    if (!version.startsWith('15')) throw new SkipBenchmark(`TRUST_BENCH_PG15_URL points at PostgreSQL ${version}, not 15`);
    return serverOn(url, version, async () => {});
  }
  const missing = pg15Missing();
  if (missing) throw new SkipBenchmark(`${missing} or set TRUST_BENCH_PG15_URL`);
  const cluster = await startPg15Cluster();
  try {
    return serverOn(cluster.adminUrl, await serverVersion(cluster.adminUrl), cluster.stop);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}
