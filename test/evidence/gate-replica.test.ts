/**
 * The gate from a streaming physical replica (issue 19, "scale past one machine"). A private
 * PostgreSQL 15 primary and a hot standby replicating from it on loopback
 * (test/bench/replica.ts: pg_basebackup -R, a replication slot, pg_ctl on a free port);
 * `trust demo` fills the primary while the standby streams; once the standby has replayed
 * the primary's WAL (pg_current_wal_lsn against pg_last_wal_replay_lsn), the gate runs twice:
 * - on the primary (DATABASE_URL), as CI runs it today;
 * - with the reader on the standby (TRUST_READER_URL) and the runtime role, which the
 *   enforcement probes use, on the primary (TRUST_RUNTIME_URL): a probe writes inside a
 *   transaction it rolls back, and a hot standby refuses any write.
 * Every control gets the same verdict from both. Then with the standby's replay paused, so it
 * lags behind a head the transparency log has already witnessed on the primary: the gate waits
 * until the standby has replayed the primary's position at its start (collectors/run.ts),
 * instead of reading the witnessed event as gone, and says so when the wait runs out.
 * Real servers, nothing mocked; skipped, with the reason in its name, only when Debian's
 * PostgreSQL 15 binaries are not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminQuery, pg15Missing, startPg15Cluster, withDatabase, type Pg15Cluster } from '../bench/servers.ts';
import { replicaUnavailable, startStreamingReplica, type StreamingReplica } from '../bench/replica.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { roleUrl } from '../../platform/db/roles.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { openRuntime } from '../../collectors/probe.ts';
import { verifyChain } from '../../platform/audit/verify.ts';
import { runGate } from '../../evidence/gate-run.ts';
import { silentProgress } from '../../evidence/progress.ts';
import type { RunOutcome } from '../../evidence/pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENV = ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL', 'TRUST_KEYRING', 'TRUST_DATA_DIR', 'TRUST_REPLICA_WAIT_SECONDS'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const missing = pg15Missing(['initdb', 'pg_ctl']) ?? replicaUnavailable();
if (missing) process.stderr.write(`gate-replica.test.ts: skipped: ${missing}\n`);

let primary: Pg15Cluster | undefined;
let replica: StreamingReplica | undefined;
let dataDir: string;
/** Superuser URL of the demo database on the primary. */
let url: string;

describe.skipIf(missing)(`the gate on a streaming replica${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'trust-replica-data-'));
    process.env.TRUST_DATA_DIR = dataDir;
    process.env.TRUST_KEYRING = JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': new Date().toISOString() } });
    primary = await startPg15Cluster();
    await adminQuery(primary.adminUrl, 'CREATE DATABASE trust');
    url = withDatabase(primary.adminUrl, 'trust');
    const db = await openDatabase({ adminUrl: url }); // bootstraps the three roles
    try {
      // The standby exists before the demo: what it holds arrived by streaming, not in the base backup.
      replica = await startStreamingReplica(primary.adminUrl);
      // `trust demo --bulk` at scale 1 (10 accounts, 100 agents, about 10,000 audit events).
      await runBulkDemo(db, { scale: 1, seed: 19, log: () => {} });
    } finally {
      await db.close();
    }
    await replica.caughtUp();
  }, 1_200_000);

  afterAll(async () => {
    for (const k of ENV)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    await replica?.stop();
    await primary?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  /** Runs the gate as `trust check` does, with exactly the credentials given. */
  async function gate(env: { DATABASE_URL?: string; TRUST_READER_URL?: string; TRUST_RUNTIME_URL?: string }): Promise<RunOutcome> {
    for (const k of ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL'] as const) delete process.env[k];
    Object.assign(process.env, env);
    try {
      return await runGate({ root: ROOT, outDir: mkdtempSync(path.join(dataDir, 'out-')), progress: silentProgress });
    } finally {
      for (const k of ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL'] as const) delete process.env[k];
    }
  }
  const verdicts = (r: RunOutcome) => Object.fromEntries(r.bundle.evaluations.map((e) => [e.control, e.verdict]));
  const fromTheReplica = () => ({ TRUST_READER_URL: replica!.onReplica(roleUrl(url, 'reader')), TRUST_RUNTIME_URL: roleUrl(url, 'app') });
  const witnessFacts = (r: RunOutcome) => r.bundle.parts.witness.facts as { headSeq: number; witnessed: { seq: number } | null; hashAtWitnessedSeq: string | null };
  /** One more audit event on the primary, chained by its trigger. */
  const appendEvent = () =>
    adminQuery(url, `INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, details) VALUES (now(), 'system:test', 'test.replica_lag', 'test', 'lag', '{}')`);

  it('the standby streams from the primary and has replayed all of it', async () => {
    const standby = replica!.onReplica(url);
    expect((await adminQuery(standby, 'SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
    expect((await adminQuery(url, 'SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false);
    const rep = (await adminQuery(url, `SELECT state FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1`, [replica!.slot])).rows;
    expect(rep).toEqual([{ state: 'streaming' }]);
    // The demo's rows and chain are there, identical.
    const q = `SELECT (SELECT count(*) FROM audit_events)::int AS events, (SELECT encode(hash, 'hex') FROM event_chain_head) AS head, (SELECT count(*) FROM agents)::int AS agents`;
    const [p, s] = [(await adminQuery(url, q)).rows[0], (await adminQuery(standby, q)).rows[0]];
    expect(p.events).toBeGreaterThan(1000);
    expect(s).toEqual(p);
    // A hot standby refuses writes, whoever asks: why the probes stay on the primary.
    await expect(adminQuery(standby, 'CREATE TABLE nope (x int)')).rejects.toThrow(/read-only transaction/);
  });

  it('full verification of the chain (parallel, exported snapshot) runs on the standby, from the CLI too', async () => {
    // `trust audit verify` opens the database as the gate does: the reader's URL, no role bootstrap
    // (which a standby refuses), so TRUST_READER_URL alone points it at the replica.
    const env: NodeJS.ProcessEnv = { ...process.env, TRUST_READER_URL: replica!.onReplica(roleUrl(url, 'reader')) };
    for (const k of ['DATABASE_URL', 'TRUST_RUNTIME_URL']) delete env[k];
    const cli = spawnSync(process.execPath, [path.join(ROOT, 'evidence', 'cli', 'bin.mjs'), 'audit', 'verify', '--full'], { cwd: ROOT, encoding: 'utf8', env });
    expect(cli.stderr + cli.stdout).toMatch(/^audit chain intact: \d+ events verified from genesis/m);
    expect(cli.status).toBe(0);
    const readerUrl = replica!.onReplica(roleUrl(url, 'reader'));
    const c = new pg.Client({ connectionString: readerUrl });
    await c.connect();
    try {
      const r = await verifyChain(c, { from: 'genesis', ownTransaction: true, trustedKeys: [], workers: { connectionString: readerUrl, count: 2, minEvents: 1 } });
      expect(r.ok, r.firstBroken?.reason).toBe(true);
      expect(r.eventsVerified).toBe(r.storedHead!.seq);
    } finally {
      await c.end();
    }
  });

  it('gives every control the verdict the gate gives on the primary, probes included', async () => {
    const onPrimary = await gate({ DATABASE_URL: url });
    const fromReplica = await gate(fromTheReplica());
    // The second run really read the standby.
    expect(fromReplica.bundle.platform.environment?.server).toBe(`127.0.0.1:${replica!.port}`);
    expect(onPrimary.bundle.platform.environment?.server).toBe(`127.0.0.1:${primary!.port}`);
    const [a, b] = [verdicts(onPrimary), verdicts(fromReplica)];
    expect(Object.keys(a).length).toBeGreaterThan(40);
    expect(b).toEqual(a);
    expect(fromReplica.exitCode).toBe(onPrimary.exitCode);
    // The probes ran (on the primary) rather than being skipped: no finding says they were.
    expect(JSON.stringify(fromReplica.bundle.evaluations)).not.toMatch(/probes were skipped/i);
    // What the gate proves on the demo holds from the replica too.
    for (const control of ['audit_events_append_only', 'audit_events_hash_chained', 'account_rows_isolated_by_rls', 'resource_region_pinned']) {
      expect(b[control], control).toBe('holds');
    }
  }, 600_000);
  it("waits for a standby that lags behind a head the log witnessed, then gives the primary's verdicts", async () => {
    const standby = replica!.onReplica(url);
    await adminQuery(standby, 'SELECT pg_wal_replay_pause()');
    let resumed = false;
    try {
      await appendEvent();
      // The gate on the primary witnesses the new head in the transparency log.
      const onPrimary = await gate({ DATABASE_URL: url });
      const head = witnessFacts(onPrimary).headSeq;
      const lagging = (await adminQuery(standby, 'SELECT max(seq)::int AS seq FROM audit_events')).rows[0].seq as number;
      expect(lagging).toBeLessThan(head);
      // Replay resumes while the gate on the replica is already waiting for it.
      const t0 = Date.now();
      const resume = new Promise<void>((res) =>
        setTimeout(() => {
          adminQuery(standby, 'SELECT pg_wal_replay_resume()').then(
            () => {
              resumed = true;
              res();
            },
            () => res(),
          );
        }, 3000),
      );
      const fromReplica = await gate(fromTheReplica());
      await resume;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
      // Read before the wait, event `head` would have been missing: "truncated or rewritten".
      expect(witnessFacts(fromReplica)).toMatchObject({ headSeq: head, witnessed: { seq: head } });
      expect(witnessFacts(fromReplica).hashAtWitnessedSeq).not.toBeNull();
      expect(verdicts(fromReplica)).toEqual(verdicts(onPrimary));
      expect(verdicts(fromReplica).audit_events_hash_chained).toBe('holds');
    } finally {
      if (!resumed) await adminQuery(standby, 'SELECT pg_wal_replay_resume()').catch(() => {});
    }
  }, 600_000);

  it('says which standby lags and by how much when it does not catch up in time (exit 2, no verdict)', async () => {
    const standby = replica!.onReplica(url);
    await adminQuery(standby, 'SELECT pg_wal_replay_pause()');
    try {
      await appendEvent();
      process.env.TRUST_REPLICA_WAIT_SECONDS = '1';
      const error = await gate(fromTheReplica()).then(
        () => null,
        (e: Error & { exitCode?: number }) => e,
      );
      expect(error?.message).toMatch(/^the reader is a hot standby that has replayed WAL up to [0-9A-F]+\/[0-9A-F]+ only, 1 s after the primary .* was at [0-9A-F]+\/[0-9A-F]+/);
      expect(error?.exitCode).toBe(2);
    } finally {
      delete process.env.TRUST_REPLICA_WAIT_SECONDS;
      await adminQuery(standby, 'SELECT pg_wal_replay_resume()');
    }
    await replica!.caughtUp();
  }, 600_000);

  it('names the mistake when the runtime URL points at the standby: the probes need the primary', async () => {
    const appOnStandby = replica!.onReplica(roleUrl(url, 'app'));
    const pool = new pg.Pool({ connectionString: appOnStandby, max: 1 });
    try {
      const rt = await openRuntime({ has: () => true, pool: () => pool } as unknown as Parameters<typeof openRuntime>[0]);
      expect(rt.access.available).toBe(false);
      expect(rt.access.available === false && rt.access.reason).toMatch(/during recovery; TRUST_RUNTIME_URL points at a hot standby, which refuses every write: point it at the primary/);
      await rt.close();
    } finally {
      await pool.end();
    }
  });
});
