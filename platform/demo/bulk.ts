/**
 * `trust demo --bulk`: the core demo's data (accounts; agents with their servers, tunnels,
 * disks, firewalls, secrets, state periods and daily usage; VMs with firewalls and their
 * recorded cloud-init; the provider's operations; the hash-chained audit events) written with
 * COPY instead of through the services, in seconds instead of minutes. The same choices as
 * run.ts (same PRNG draws, so the same accounts, agents, transfers, clones and destroys for a
 * seed), and every row as the SQL functions of migrations 0004-0006 and 0400 would leave it.
 * Core II (identity, OAuth, metering, tools, privacy) then runs through its services, as in run.ts.
 * The rows come from bulk-rows.ts; this file loads them, verifies the chain and signs it.
 *
 * How the guards are handled (the bulk-load mode):
 * - It needs the superuser connection (DATABASE_URL) and an empty platform: no account, no
 *   audit event, chain head at 0. Anything else is refused (a bulk load next to live data
 *   could not keep the chain's order).
 * - Each table is loaded on its own superuser session with `SET LOCAL session_replication_role
 *   = replica`, for its one transaction. That skips the triggers enabled the default way ('O'):
 *   the chain trigger (whose work is done here, in Node, with platform/audit/chain-line.ts) and
 *   the foreign-key triggers (rows are written in an order that satisfies them, and the tests
 *   and the gate check the result). Triggers that refuse (ENABLE ALWAYS, migration 0240: the
 *   secret guard on audit events, the pins) still fire; CHECK, UNIQUE and exclusion
 *   constraints still hold. Nothing in the schema changes and nothing needs switching back:
 *   the setting ends with the transaction, and no other session ever runs without a trigger.
 * - Every table's COPY runs in its own transaction; all commit only when all succeeded (else all
 *   roll back). The chain head is written in the audit events' transaction.
 * - After commit, the whole chain is verified (in parallel, as `trust audit verify --full`);
 *   only then are checkpoints signed, at the heads the services demo would have signed
 *   (bulk-finish.ts, with core II, the backup and the restore test).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { syncRegions } from '../services.ts';
import { REGIONS } from '../config/regions.ts';
import { defaultKeyring } from '../crypto/keyring.ts';
import { ChainWriter } from '../audit/chain-line.ts';
import { GENESIS_HASH } from '../audit/verify.ts';
import { EnvironmentError, InputError } from '../kernel/errors.ts';
import { seededRandom } from './prng.ts';
import type { DemoContext } from './extensions.ts';
import { finishBulkDemo } from './bulk-finish.ts';
import { DEFERRED_TABLES, deferredIndexesEnabled, dropIndexesForLoad, rebuildIndexes } from './bulk-indexes.ts';
import { DEMO_START, checkpointEvery, demoAccounts, type DemoOptions, type DemoSummary } from './run.ts';
import { account, iso, row, TABLES, type Gen, type Table } from './bulk-rows.ts';

/**
 * Periods are the one table whose COPY costs more than its generation: each row is checked
 * against the exclusion constraint (agent_id WITH =, period WITH &&) through its GiST
 * index, about 65 us a row. Two sessions share that work (an agent's periods stay on one).
 */
const PERIOD_LANES = 2;

/** One table's COPY on its own session, buffered, with backpressure. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  rows = 0;
  constructor(
    readonly stream: Writable,
    private readonly failed: Promise<never>,
  ) {}
  push(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    this.rows++;
  }
  async flush(force = false): Promise<void> {
    if (!this.size || (!force && this.size < 1 << 17)) return;
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }
}

/** Refuses anything but the superuser connection on an empty platform; true when this seed's data is already there. */
async function preflight(admin: pg.Client, firstAccount: string): Promise<boolean> {
  const r = await admin.query<{ su: boolean; accounts: string; first: boolean; events: boolean; head: string }>(
    `
    SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
           (SELECT count(*) FROM accounts) AS accounts, EXISTS (SELECT 1 FROM accounts WHERE id = $1) AS first,
           EXISTS (SELECT 1 FROM audit_events) AS events, (SELECT seq FROM event_chain_head) AS head`,
    [firstAccount],
  );
  const s = r.rows[0];
  if (!s.su) throw new EnvironmentError('trust demo --bulk loads with COPY as a superuser (DATABASE_URL must be one); use trust demo without --bulk otherwise');
  if (s.first) return true;
  if (Number(s.accounts) > 0 || s.events || Number(s.head) !== 0) {
    throw new InputError('trust demo --bulk needs an empty platform (no account, no audit event); use a fresh database, or trust demo without --bulk to add to this one');
  }
  return false;
}

/**
 * Builds the demo with COPY. Same summary as runDemo. Scale 100 (10,000 agents, over a
 * million events) takes well under two minutes on two cores.
 */
export async function runBulkDemo(db: Database, opts: DemoOptions): Promise<DemoSummary> {
  const began = Date.now();
  await migrate(db);
  await syncRegions(db.pool('owner'));
  const { root, plans, summary } = demoAccounts(opts);

  const tables = Object.keys(TABLES) as Table[];
  // One session per table, and more for the periods: [table, lane] per session.
  const sessions: [Table, number][] = tables.flatMap((t) => Array.from({ length: t === 'agent_state_periods' ? PERIOD_LANES : 1 }, (_, i) => [t, i] as [Table, number]));
  const clients = sessions.map(() => new pg.Client({ connectionString: db.adminUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  const live: DemoContext['agents'] = [];
  const heads: { seq: number; hash: string }[] = [];
  try {
    if (await preflight(clients[0], plans[0].id)) {
      opts.log(`demo data for seed ${opts.seed} at scale ${opts.scale} is already present; nothing added`);
      return { ...summary, skipped: true, seconds: (Date.now() - began) / 1000 };
    }
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {});
    const sinks = {} as Record<Table, Sink>;
    const lanes: Sink[] = [];
    const done: Promise<unknown>[] = [];
    const finished: Partial<Record<Table, number>> = {};
    const deferIndexes = deferredIndexesEnabled();
    for (const [i, [t, lane]] of sessions.entries()) {
      const c = clients[i];
      await c.query('BEGIN');
      // The bulk-load mode, for this transaction only (see the top of this file).
      await c.query(`SET LOCAL session_replication_role = replica`);
      await c.query(`SET LOCAL synchronous_commit = off`);
      // Indexes built after the COPY, in this transaction, where a table has one session (bulk-indexes.ts).
      const rebuild = deferIndexes && DEFERRED_TABLES.includes(t) ? await dropIndexesForLoad(c, t) : [];
      const stream = c.query(copyFrom(`COPY ${TABLES[t]} FROM STDIN`));
      stream.on('error', (e) => fail(new Error(`COPY ${t}: ${(e as Error).message}`)));
      done.push(
        new Promise((resolve) => stream.on('finish', resolve))
          .then(() => rebuildIndexes(c, rebuild))
          .then(
            () => (finished[t] = Date.now() - began),
            (e: Error) => fail(new Error(`indexes of ${t}: ${e.message}`)),
          ),
      );
      lanes.push(new Sink(stream, failed));
      if (lane === 0) sinks[t] = lanes[lanes.length - 1];
    }
    const g: Gen = {
      sink: sinks,
      periodLanes: lanes.filter((_, i) => sessions[i][0] === 'agent_state_periods'),
      agents: 0,
      chain: new ChainWriter(0, GENESIS_HASH),
      keyring: defaultKeyring(),
      deliveredAt: new Date().toISOString(),
      location: Object.fromEntries(REGIONS.map((r) => [r.id, r.location])),
      userData: new Map(),
    };
    const every = checkpointEvery(opts.scale);
    let since = 0;
    for (const p of plans) sinks.accounts.push(row([p.id, p.name, iso(DEMO_START.getTime())]));
    for (const plan of plans) {
      const rand = seededRandom(opts.seed * 1_000_003 + plan.index);
      since += account(g, plan, plans, rand, live, summary);
      if (since >= every) {
        since = 0;
        heads.push({ seq: g.chain.seq, hash: g.chain.hash.toString('hex') });
      }
      for (const l of lanes) await l.flush();
      opts.progress?.(plan.index + 1, plans.length);
    }
    for (const l of lanes) await l.flush(true);
    for (const l of lanes) l.stream.end();
    const generated = Date.now() - began;
    await Promise.race([Promise.all(done), failed]);
    // Where the time went: generation (Node) against each table's COPY (the server).
    opts.log(
      `bulk: generated in ${(generated / 1000).toFixed(1)}s; COPY done at ` +
        Object.entries(finished)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)}s`)
          .join(', '),
    );
    const audit = clients[sessions.findIndex(([t]) => t === 'audit_events')];
    // The head the chain trigger would have stored at commit, in the events' own transaction.
    await audit.query(`UPDATE event_chain_head SET seq = $1, hash = decode($2, 'hex') WHERE singleton`, [g.chain.seq, g.chain.hash.toString('hex')]);
    for (const c of clients) await c.query('COMMIT');
    summary.auditEvents = g.chain.seq;
    opts.log(`bulk: ${g.chain.seq} audit events and ${g.periodLanes.reduce((n, l) => n + l.rows, 0)} periods loaded in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  } catch (e) {
    await Promise.all(clients.map((c) => c.query('ROLLBACK').catch(() => {})));
    throw e;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }

  const at = (what: string) => opts.log(`bulk: ${what} at ${((Date.now() - began) / 1000).toFixed(1)}s`);
  await finishBulkDemo(db, opts, { accounts: plans.map((p) => p.id), live, heads, rand: root }, summary, at);
  summary.liveAgents = live.length;
  summary.auditEvents = Number((await db.pool('reader').query('SELECT count(*) AS n FROM audit_events')).rows[0].n);
  summary.seconds = (Date.now() - began) / 1000;
  return summary;
}
