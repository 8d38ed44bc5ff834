/**
 * A streaming physical replica of a PostgreSQL 15 cluster on loopback, for the gate-replica
 * benchmark and test/evidence/gate-replica.test.ts (issue 19: the gate gives the same
 * verdicts from a hot standby).
 *
 * `pg_basebackup -R` (run as the `postgres` system user when we are root) copies the primary
 * into a new data directory and writes `standby.signal` and `primary_conninfo`; a physical
 * replication slot keeps the WAL the standby has not replayed yet. The standby then starts
 * with pg_ctl on a free port, `hot_standby = on`, and streams from the primary. stop() stops
 * it, drops the slot and removes the directory.
 *
 * The primary must be PostgreSQL 15 (physical replication is within one major version),
 * reachable on loopback with a superuser URL (a superuser may replicate), and allow
 * replication connections from 127.0.0.1 in its pg_hba.conf (initdb's default does, and so
 * do Debian's clusters).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runChildOk } from './measure.ts';
import { adminQuery, freePort, PG15_BIN, pg15Missing, postgresUser } from './servers.ts';
import { SkipBenchmark } from './types.ts';

export interface StreamingReplica {
  /** The primary's URL with the standby's port: same roles, same passwords, read-only. */
  adminUrl: string;
  port: number;
  dataDir: string;
  slot: string;
  /** `url` (any role, any database on the primary) pointed at the standby. */
  onReplica(url: string): string;
  /**
   * Waits until the standby has replayed everything the primary had written when called
   * (pg_current_wal_lsn on the primary against pg_last_wal_replay_lsn on the standby);
   * returns that LSN and how long the wait took.
   */
  caughtUp(timeoutMs?: number): Promise<{ lsn: string; ms: number }>;
  stop(): Promise<void>;
}

/** Settings a hot standby must hold at least as high as its primary, or it refuses to start. */
const AT_LEAST_PRIMARY = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];

/** Why no replica of a PostgreSQL 15 cluster can be made here, or null. */
export function replicaUnavailable(): string | null {
  return pg15Missing(['pg_basebackup', 'pg_ctl']);
}

export async function startStreamingReplica(primaryAdminUrl: string, log: (m: string) => void = () => {}): Promise<StreamingReplica> {
  const missing = replicaUnavailable();
  if (missing) throw new SkipBenchmark(missing);
  const primary = new URL(primaryAdminUrl);
  const settings = (
    await adminQuery(primaryAdminUrl, `SELECT name, setting FROM pg_settings WHERE name = ANY($1) OR name IN ('server_version_num', 'wal_level', 'hba_file', 'ident_file', 'data_directory')`, [
      AT_LEAST_PRIMARY,
    ])
  ).rows as { name: string; setting: string }[];
  const setting = (n: string) => settings.find((s) => s.name === n)?.setting ?? '';
  if (!setting('server_version_num').startsWith('15'))
    throw new SkipBenchmark(`the primary is PostgreSQL ${setting('server_version_num')}, not 15: a physical replica needs the same major version as the pg_basebackup here`);
  if (setting('wal_level') === 'minimal') throw new Error('the primary runs with wal_level = minimal: no physical replica can follow it');

  const user = postgresUser();
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-pg15-replica-'));
  if (user) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const dataDir = path.join(dir, 'data');
  const slot = `trust_replica_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  // The password goes through the environment, never the command line (ps, error messages).
  // pg_basebackup -R writes it into primary_conninfo, inside the standby's 0700 data directory.
  const env = { ...process.env, LC_ALL: 'C', PGPASSWORD: decodeURIComponent(primary.password), PGSSLMODE: 'prefer' };
  let started = false;
  const stop = async () => {
    if (started || existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await runChildOk(path.join(PG15_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...asUser, env, cwd: dir, timeoutMs: 60_000 }).catch(() => {});
    }
    // A slot nobody reads would keep the primary's WAL forever.
    await adminQuery(primaryAdminUrl, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t0 = Date.now();
    await runChildOk(
      path.join(PG15_BIN, 'pg_basebackup'),
      ['-h', primary.hostname, '-p', primary.port || '5432', '-U', decodeURIComponent(primary.username), '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '-C', '-S', slot, '--no-password'],
      { ...asUser, env, cwd: dir, timeoutMs: 600_000 },
    );
    log(`replica: base backup in ${((Date.now() - t0) / 1000).toFixed(1)} s (slot ${slot})`);
    // A Debian cluster keeps its configuration in /etc/postgresql, outside the data directory:
    // the standby gets a configuration of its own and the primary's access rules.
    if (!existsSync(path.join(dataDir, 'postgresql.conf'))) writeOwned(path.join(dataDir, 'postgresql.conf'), '# written by test/bench/replica.ts\n', user);
    for (const [file, name] of [
      [setting('hba_file'), 'pg_hba.conf'],
      [setting('ident_file'), 'pg_ident.conf'],
    ] as const) {
      if (!existsSync(path.join(dataDir, name))) writeOwned(path.join(dataDir, name), file && existsSync(file) ? readFileSync(file, 'utf8') : '', user);
    }
    const auto = readFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
    if (!existsSync(path.join(dataDir, 'standby.signal')) || !/primary_conninfo/.test(auto)) throw new Error('pg_basebackup -R wrote no standby configuration');
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      "-c unix_socket_directories=''",
      '-c hot_standby=on',
      '-c fsync=off',
      // Queries on the standby are never cancelled for a conflicting replay: the gate's
      // snapshot holds while the primary vacuums (replay waits instead; the lag grows).
      '-c max_standby_streaming_delay=-1',
      '-c hot_standby_feedback=on',
      ...AT_LEAST_PRIMARY.map((n) => `-c ${n}=${setting(n)}`),
    ].join(' ');
    started = true;
    await runChildOk(path.join(PG15_BIN, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '300', 'start'], { ...asUser, env, cwd: dir, timeoutMs: 330_000 });
    const u = new URL(primaryAdminUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    const replicaAdmin = u.toString();
    const recovery = (await adminQuery(replicaAdmin, 'SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean;
    if (!recovery) throw new Error('the replica started but is not in recovery (standby.signal ignored?)');
    const onReplica = (url: string) => {
      const x = new URL(url);
      x.hostname = '127.0.0.1';
      x.port = String(port);
      return x.toString();
    };
    const caughtUp = async (timeoutMs = 300_000) => {
      const w0 = Date.now();
      const lsn = (await adminQuery(primaryAdminUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
      const c = new pg.Client({ connectionString: replicaAdmin });
      await c.connect();
      try {
        for (;;) {
          const r = await c.query<{ done: boolean; replayed: string | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS replayed', [lsn]);
          if (r.rows[0].done) return { lsn, ms: Date.now() - w0 };
          if (Date.now() - w0 > timeoutMs) throw new Error(`the replica replayed up to ${r.rows[0].replayed} only, ${timeoutMs / 1000} s after the primary was at ${lsn}`);
          await new Promise((res) => setTimeout(res, 50));
        }
      } finally {
        await c.end();
      }
    };
    // Streaming, not merely restored: the primary sees its walreceiver on the slot.
    for (let i = 0; ; i++) {
      const r = await adminQuery(primaryAdminUrl, `SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [slot]);
      if (r.rows[0]?.active) break;
      if (i > 600) throw new Error(`the replica does not stream: slot ${slot} stayed inactive for 60 s (see ${path.join(dir, 'log')})`);
      await new Promise((res) => setTimeout(res, 100));
    }
    log(`replica: hot standby streaming on 127.0.0.1:${port}`);
    return { adminUrl: replicaAdmin, port, dataDir, slot, onReplica, caughtUp, stop };
  } catch (e) {
    const tail = existsSync(path.join(dir, 'log')) ? readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
    await stop();
    throw tail ? new Error(`${(e as Error).message} (replica log: ${tail})`, { cause: e }) : e;
  }
}

function writeOwned(file: string, text: string, user: { uid: number; gid: number } | undefined): void {
  writeFileSync(file, text, { mode: 0o600 });
  if (user) chownSync(file, user.uid, user.gid);
}
