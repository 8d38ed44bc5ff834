/**
 * What `trust demo --bulk` does after its COPY committed (bulk.ts): fresh statistics, the whole
 * chain verified from genesis and only then its checkpoints signed, core II through its
 * services, and the platform's backup job and restore test, so the gate has a backup to judge.
 *
 * A speed trick (TRUST_BULK_OVERLAP=0 runs the steps one after another, as they used to): three
 * strands side by side, (1) the backup and the restore test, (2) VACUUM ANALYZE, the
 * verification and the checkpoints, (3) core II. The restore test alone takes longer than the
 * others together, and core II spends most of its time waiting for round trips (thousands of
 * small transactions); one after another, the cores idled through much of it. What it changes:
 *  - the backup is taken as the strands start, while core II writes, as a nightly backup of a
 *    live platform is: its snapshot holds the core demo and the part of core II committed by
 *    then, not yet the checkpoints (the restore test compares the restored copy with that
 *    snapshot, as always, and verifies its chain from genesis);
 *  - core II's rows and events are the same, in the same order among themselves.
 * The final checkpoint is signed after all three, at the head. test/platform/bulk-finish.test.ts
 * proves both ways leave the same rows; test/platform/bulk-demo.test.ts the invariants.
 */
import os from 'node:os';
import pg from 'pg';
import type { Database } from '../db/index.ts';
import { platformContext } from '../services.ts';
import { verifyChain } from '../audit/verify.ts';
import { createCheckpoint } from '../audit/checkpoint.ts';
import { loadSigningKey, signCheckpoint } from '../audit/keys.ts';
import { withCallerEventTime } from '../audit/clock.ts';
import { withTransaction } from '../db/tx.ts';
import { runBackupJob, runRestoreTestJob } from '../backup/backup.ts';
import { trickEnabled } from '../kernel/switches.ts';
import { demoExtensions, type DemoContext } from './extensions.ts';
import { ACTOR } from './bulk-rows.ts';
import { DEMO_START, type DemoOptions, type DemoSummary } from './run.ts';

export const BULK_OVERLAP_SWITCH = 'TRUST_BULK_OVERLAP';

/** The tables the COPY filled, for VACUUM ANALYZE. */
const LOADED = [
  'audit_events',
  'agent_state_periods',
  'agent_usage_daily',
  'provider_operations',
  'agents',
  'servers',
  'tunnels',
  'disks',
  'firewalls',
  'firewall_rules',
  'agent_secrets',
  'vms',
  'accounts',
];

export interface Loaded {
  /** Accounts in creation order. */
  accounts: string[];
  /** Agents alive at the end of the core demo. */
  live: DemoContext['agents'];
  /** Chain heads to sign, as the services demo signs them. */
  heads: { seq: number; hash: string }[];
  /** The demo's PRNG, for core II's choices. */
  rand: () => number;
}

export async function finishBulkDemo(db: Database, opts: DemoOptions, loaded: Loaded, summary: DemoSummary, at: (what: string) => void): Promise<void> {
  const key = loadSigningKey(opts.log);
  const checked = async () => {
    // Fresh statistics and visibility for the planner and index-only scans, as autovacuum would leave them.
    await vacuumAnalyze(db.adminUrl, LOADED);
    at('vacuum and analyze done');
    // Sign only what verifies: the whole chain, from genesis, spread over the cores.
    const reader = await db.pool('reader').connect();
    let verified;
    try {
      verified = await verifyChain(reader, {
        from: 'genesis',
        ownTransaction: true,
        trustedKeys: [key.publicKey],
        workers: { connectionString: db.url('reader'), count: Math.max(1, os.availableParallelism() - 1) },
      });
    } finally {
      reader.release();
    }
    if (!verified.ok) throw new Error(`bulk demo: the loaded chain does not verify at ${verified.firstBroken?.seq}: ${verified.firstBroken?.reason}`);
    await withTransaction(db.pool('owner'), {}, async (c) => {
      const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      for (const h of loaded.heads) {
        await c.query(`INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5)`, [
          h.seq,
          h.hash,
          key.keyId,
          pem,
          signCheckpoint(key, h.seq, h.hash),
        ]);
      }
    });
    summary.checkpoints += loaded.heads.length;
    at(`chain verified and ${loaded.heads.length} checkpoints signed`);
  };
  // Core II through its services, with the chain trigger on, as run.ts does.
  const coreII = async () => {
    const app = db.pool('app');
    await withCallerEventTime(db.pool('owner'), async () => {
      const ctx: DemoContext = {
        db,
        pools: { owner: db.pool('owner'), app, reader: db.pool('reader') },
        rand: loaded.rand,
        log: opts.log,
        scale: opts.scale,
        accounts: loaded.accounts,
        agents: loaded.live,
        platform: platformContext(app, { actor: ACTOR, accounts: loaded.accounts }),
        start: DEMO_START,
        bulk: true,
      };
      for (const ext of demoExtensions) await ext(ctx);
    });
    at('core II done');
  };
  // As run.ts: the platform's backup job and its restore test, so the gate has a backup to judge.
  const backup = async () => {
    await runBackupJob(db);
    at('backup taken');
    await runRestoreTestJob(db);
    at('backup and restore test done');
  };
  // Statistics for the chain's own small tables before any service writes an event. Never
  // analyzed, a table is assumed to fill 10 pages, so the chain trigger's head query
  // (event_chain_head x event_time_policy) was costed at some 115,000, over jit_above_cost: on a
  // server with JIT (Debian's PostgreSQL 15) every event of core II compiled it, 5-40 ms each.
  await withClient(db.adminUrl, (c) => c.query(`ANALYZE event_chain_head, event_time_policy, chain_months`));
  const signHead = async () => {
    if (await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)) summary.checkpoints++;
  };
  if (trickEnabled(BULK_OVERLAP_SWITCH)) {
    await allSettled([backup(), checked(), coreII()]);
    await signHead();
  } else {
    await checked();
    await coreII();
    await signHead();
    await backup();
  }
}

/** Waits for every task, then fails with the first failure (no task is left running unobserved). */
async function allSettled(tasks: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** VACUUM ANALYZE, two tables at a time (two cores). */
async function vacuumAnalyze(adminUrl: string, tables: string[]): Promise<void> {
  const queue = [...tables];
  await Promise.all(
    [0, 1].map(async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        for (let t = queue.shift(); t; t = queue.shift()) await c.query(`VACUUM (ANALYZE) ${t}`);
      } finally {
        await c.end();
      }
    }),
  );
}
