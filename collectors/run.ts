/**
 * Runs collectors: every database collector reads ONE snapshot as the reader role, in
 * READ ONLY, repeatable-read transactions that share it (the main one, and further ones
 * that imported its snapshot: the lanes the collectors run on side by side, and the
 * `connections` of a collector that splits its work; collectors/lanes.ts), so all facts
 * describe the same database state;
 * the file collectors (code, design, config) run without a connection, and those that
 * declare `ownThread` in a worker thread, alongside the database collectors.
 */
import type pg from 'pg';
import type { Database } from '../platform/db/index.ts';
import type { CatalogData } from '../platform/kernel/catalog-data.ts';
import { catalogNotDeclared, type Collector, type CollectorContext } from './types.ts';
import { COLLECTORS } from './registry.ts';
import { CollectorError } from './collector-error.ts';
import { byKey, sortDeep } from './sort.ts';
import { startCollectorThread, type CollectorThread } from './thread.ts';
import { transportAccess } from './transport.ts';
import { openRuntime } from './probe.ts';
import { collectorLanes, countingClient, countingSql, laneOrder, runOnLanes } from './lanes.ts';
import { EnvironmentError } from '../platform/kernel/errors.ts';

export interface RunCollectorsOptions {
  root: string;
  now: Date;
  /** Awaited only by the collectors that declare `needsCatalog`: the others may start before it loads. */
  catalog: CatalogData | Promise<CatalogData>;
  auditVerification: 'incremental' | 'full';
  progress?: (collectorId: string, phase: 'start' | 'done', ms?: number) => void;
  /** Run only these collector ids (default: all registered). */
  only?: string[];
  /** Collectors to run instead of the registry (tests). */
  collectors?: Collector[];
  /** Connections the database collectors share (collectors/lanes.ts); default TRUST_COLLECTOR_LANES, else 3. */
  lanes?: number;
}

export interface CollectedPart {
  collector: string;
  version: string;
  facts: unknown;
}

export interface RunCollectorsResult {
  parts: Record<string, CollectedPart>;
  /** Queries sent by collectors (transaction control excluded). */
  queries: number;
  /** Milliseconds per collector id. */
  timings: Record<string, number>;
  /** Threaded collectors whose facts came from the fact cache, with no thread (collectors/fact-cache.ts). */
  fromCache: string[];
}

// countingSql and countingClient live with the lanes' queue (collectors/lanes.ts); re-exported for their users.
export { countingClient, countingSql };

const BEGIN = 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY';
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Opens the collectors' transaction on `client` and, when there are `extras`, exports
 * its snapshot and imports it into a READ ONLY, repeatable-read transaction on each
 * (pg_dump -j's mechanism), so every connection sees the same database state. Returns
 * the extras that joined; an extra that cannot import the snapshot is rolled back and left
 * out. The extras' own transactions are theirs to end (COMMIT or ROLLBACK), the caller
 * releases every client.
 *
 * The reader may be a hot standby (README "Pointing the gate at a replica"):
 * - Snapshots are exported and imported there as on the primary: a standby does both during
 *   recovery, among its own sessions (PostgreSQL 15, tested). An earlier version exported
 *   nothing when pg_is_in_recovery(), so on a replica the collectors that split their work
 *   ran it all on one connection.
 * - A standby shows the primary as it was one replication lag ago. Something recorded
 *   outside the database before the gate started (a head the transparency log witnessed, a
 *   probe's view of the primary) may then be ahead of what the reader sees, and a head
 *   witnessed beyond the standby's last replayed event reads as a truncated chain. So when
 *   `primaryPosition` can tell where the primary's WAL is now (through the runtime role's
 *   connection, which is on the primary), the snapshot is taken only once the standby has
 *   replayed that far: it then holds everything the primary had when the gate started.
 *   The check rides in the statement that opens the transaction: on a primary it costs no
 *   round trip. test/evidence/gate-replica.test.ts pauses replay to prove it.
 */
async function beginSnapshot(client: pg.ClientBase, extras: pg.ClientBase[], primaryPosition?: () => Promise<string | null>): Promise<pg.ClientBase[]> {
  const results = (await client.query(
    `${BEGIN}; SET LOCAL TimeZone = 'UTC'; SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed${extras.length ? ', pg_export_snapshot() AS snapshot' : ''}`,
  )) as unknown as pg.QueryResult[];
  const row = results[results.length - 1].rows[0] as { standby: boolean; replayed: string | null; snapshot?: string };
  if (row.standby && primaryPosition) {
    const target = await primaryPosition();
    if (target && lsnBefore(row.replayed, target)) {
      await client.query('ROLLBACK');
      await awaitReplay(client, target);
      return beginSnapshot(client, extras);
    }
  }
  const snapshot = row.snapshot;
  if (!extras.length || !snapshot || !SNAPSHOT_ID.test(snapshot)) return [];
  const joined = await Promise.all(
    extras.map(async (x) => {
      try {
        await x.query(`${BEGIN}; SET TRANSACTION SNAPSHOT '${snapshot}'; SET LOCAL TimeZone = 'UTC'`);
        return x;
      } catch {
        await x.query('ROLLBACK').catch(() => {});
        return null;
      }
    }),
  );
  return joined.filter((x): x is pg.ClientBase => x !== null);
}

const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;
const lsnValue = (lsn: string) => {
  const m = LSN.exec(lsn);
  if (!m) throw new Error(`unexpected WAL position from the server: ${lsn}`);
  return (BigInt('0x' + m[1]) << 32n) + BigInt('0x' + m[2]);
};
/** Whether WAL position `a` (null: nothing replayed yet) lies before `b`. */
function lsnBefore(a: string | null, b: string): boolean {
  return a === null || lsnValue(a) < lsnValue(b);
}

/** How long the gate waits for its standby to replay the primary's position: TRUST_REPLICA_WAIT_SECONDS, default 60. */
function replicaWaitMs(): number {
  const v = process.env.TRUST_REPLICA_WAIT_SECONDS;
  const n = v === undefined || v === '' ? 60 : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new EnvironmentError('TRUST_REPLICA_WAIT_SECONDS must be a number of seconds (0 or more)');
  return n * 1000;
}

/** Polls the standby (each poll in a read-only transaction it rolls back) until it has replayed `target`. */
async function awaitReplay(client: pg.ClientBase, target: string): Promise<void> {
  const limit = replicaWaitMs();
  const t0 = Date.now();
  for (;;) {
    const r = (await client.query(`BEGIN READ ONLY; SELECT pg_last_wal_replay_lsn()::text AS replayed; ROLLBACK`)) as unknown as pg.QueryResult[];
    const replayed = r[1].rows[0].replayed as string | null;
    if (!lsnBefore(replayed, target)) return;
    if (Date.now() - t0 >= limit) {
      throw new EnvironmentError(
        `the reader is a hot standby that has replayed WAL up to ${replayed ?? 'nothing'} only, ${Math.round(limit / 1000)} s after the primary (TRUST_RUNTIME_URL's server) was at ${target}: it lags or does not replay. The gate reads a standby once it holds what the primary held when the gate started (TRUST_REPLICA_WAIT_SECONDS)`,
      );
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function runCollectors(db: Database, opts: RunCollectorsOptions): Promise<RunCollectorsResult> {
  const all = opts.collectors ?? COLLECTORS;
  if (opts.only) {
    const unknown = opts.only.filter((id) => !all.some((c) => c.id === id));
    if (unknown.length) throw new CollectorError(unknown[0], new Error(`unknown collector id(s): ${unknown.join(', ')}`));
  }
  const selected = all.filter((c) => !opts.only || opts.only.includes(c.id)).sort(byKey((c) => c.id));
  const counter = { queries: 0 };
  const parts: Record<string, CollectedPart> = {};
  const timings: Record<string, number> = {};
  const catalog = Promise.resolve(opts.catalog);
  // Whoever passed a pending catalog handles its failure; collectors needing it rethrow it.
  catalog.catch(() => {});

  const base = { root: opts.root, now: opts.now, options: { auditVerification: opts.auditVerification } };
  const noDb: Pick<CollectorContext, 'sql'> = {
    sql: () => Promise.reject(new Error('this collector declared needsDatabase: false')),
  };

  /**
   * Runs one collector (or takes what its thread produced) and keeps its checked facts.
   * A thread reports how long the collector itself took; waiting for it is not counted.
   */
  async function one(c: Collector, produce: () => Promise<{ raw: unknown; ms?: number }>): Promise<void> {
    opts.progress?.(c.id, 'start');
    const t0 = performance.now();
    let facts: unknown;
    let threadMs: number | undefined;
    try {
      const { raw, ms } = await produce();
      threadMs = ms;
      const parsed = c.facts.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`facts do not match the collector's schema at /${i.path.join('/')}: ${i.message}`);
      }
      facts = sortDeep(parsed.data);
    } catch (e) {
      if (e instanceof CollectorError) throw e;
      throw new CollectorError(c.id, e);
    }
    const ms = threadMs ?? performance.now() - t0;
    timings[c.id] = Math.round(ms * 10) / 10;
    parts[c.id] = { collector: c.id, version: c.version, facts };
    opts.progress?.(c.id, 'done', ms);
  }
  const here = (c: Collector, io: Pick<CollectorContext, 'sql' | 'client' | 'parallel' | 'runtime' | 'transport' | 'readersMayStart'>) => async () => ({
    raw: await c.collect({ ...base, ...io, catalog: c.needsCatalog ? await catalog : catalogNotDeclared(c.id), progress: () => {} }),
  });

  // CPU-bound file collectors run on their own thread, and work while the database answers
  // the others (those that read the catalog get it once it has loaded). A thread costs
  // loading the collectors again, so facts the fact cache holds are taken here instead
  // (collectors/fact-cache.ts): the thread starts only for the collectors that miss.
  const threaded = selected.filter((c) => c.ownThread && !c.needsDatabase && COLLECTORS.includes(c));
  const cachedFacts = new Map<string, unknown>();
  const lookup = async (c: Collector): Promise<boolean> => {
    if (!c.cached) return false;
    // Any trouble (an unreadable file) is a miss: the thread then computes and reports it.
    const raw = await c.cached({ ...base, ...noDb, catalog: c.needsCatalog ? await catalog : catalogNotDeclared(c.id), progress: () => {} }).catch(() => undefined);
    if (raw === undefined) return false;
    cachedFacts.set(c.id, raw);
    return true;
  };
  let threadRun: CollectorThread | null = null;
  const startThread = (ids: string[]) => {
    const t = startCollectorThread(ids, base);
    if (threaded.some((c) => ids.includes(c.id) && c.needsCatalog))
      catalog.then(
        (x) => t.sendCatalog(x),
        () => {},
      );
    return (threadRun = t);
  };
  // Those that read no catalog are looked up now; on a miss the thread starts at once, for all.
  const early = threaded.filter((c) => !c.needsCatalog);
  const earlyHits = await Promise.all(early.map(lookup));
  const onThread = new Set<string>();
  let lateThread: Promise<void> = Promise.resolve();
  if (earlyHits.some((hit) => !hit)) {
    cachedFacts.clear();
    for (const c of threaded) onThread.add(c.id);
    startThread([...onThread]);
  } else if (threaded.some((c) => c.needsCatalog)) {
    // The others once the catalog has loaded (a catalog that fails fails them).
    lateThread = (async () => {
      const late = threaded.filter((c) => c.needsCatalog);
      const hits = await Promise.all(late.map(lookup));
      const missed = late.filter((_, i) => !hits[i]).map((c) => c.id);
      for (const id of missed) onThread.add(id);
      if (missed.length) startThread(missed);
    })();
    lateThread.catch(() => {}); // awaited below
  }
  const fromThreadOrCache = (c: Collector) => async (): Promise<{ raw: unknown; ms?: number }> => {
    await lateThread;
    return onThread.has(c.id) ? threadRun!.result(c.id) : { raw: cachedFacts.get(c.id), ms: 0 };
  };
  try {
    const dbCollectors = selected.filter((c) => c.needsDatabase);
    if (dbCollectors.length) await runDatabaseCollectors(db, dbCollectors, counter, (c, io) => one(c, here(c, io)), opts.lanes ?? collectorLanes());
    for (const c of selected.filter((x) => !x.needsDatabase && !threaded.includes(x))) await one(c, here(c, noDb));
    for (const c of threaded) await one(c, fromThreadOrCache(c));
  } finally {
    await lateThread.catch(() => {});
    await (threadRun as CollectorThread | null)?.stop();
  }

  const sortedParts: Record<string, CollectedPart> = {};
  for (const id of Object.keys(parts).sort()) sortedParts[id] = parts[id];
  return { parts: sortedParts, queries: counter.queries, timings, fromCache: threaded.filter((c) => !onThread.has(c.id)).map((c) => c.id) };
}

/**
 * The database collectors on one snapshot (see the top of this file): those that probe as
 * the runtime role first and alone, then the others on the snapshot's lanes
 * (collectors/lanes.ts; one lane: one after another).
 */
async function runDatabaseCollectors(
  db: Database,
  collectors: Collector[],
  counter: { queries: number },
  run: (c: Collector, io: Pick<CollectorContext, 'sql' | 'client' | 'parallel' | 'runtime' | 'transport' | 'readersMayStart'>) => Promise<void>,
  lanes: number,
): Promise<void> {
  const pool = db.pool('reader');
  // Enforcement probes get the runtime role's own, always rolled back, transaction
  // (collectors/probe.ts), opened while the reader's connection is.
  const runtimeOpening = collectors.some((c) => c.needsRuntime) ? openRuntime(db) : null;
  // Further connections on the same snapshot: the other lanes, which are also the
  // connections of collectors that split their work (`connections`); never more than the
  // pool can give besides the main one.
  const wanted = Math.min(Math.max(lanes - 1, ...collectors.map((c) => c.connections ?? 0)), Math.max(0, (pool.options?.max ?? 10) - 1));
  // Opened while the main connection is; one that cannot connect is not used.
  const extrasOpening = Promise.all(Array.from({ length: wanted }, () => pool.connect().catch(() => null)));
  let client: pg.PoolClient;
  try {
    // Connection errors propagate untouched: the CLI maps them to exit 2.
    client = await pool.connect();
  } catch (e) {
    for (const x of await extrasOpening) x?.release();
    await (await runtimeOpening)?.close();
    throw e;
  }
  let extras: pg.PoolClient[] = [];
  let broken = false;
  // The probes' transaction ends on every path: one left open (a failure before the
  // collectors ran, such as a standby that does not catch up) would hold its connection,
  // and closing the database would wait for it forever.
  let runtimeClosed = false;
  const closeRuntime = async () => {
    if (runtimeClosed) return;
    runtimeClosed = true;
    await (await runtimeOpening)?.close();
  };
  try {
    extras = (await extrasOpening).filter((x): x is pg.PoolClient => x !== null);
    // Where the primary's WAL is now, asked through the probes' transaction (on the primary):
    // only needed, and only asked, when the reader turns out to be a standby (beginSnapshot).
    const primaryPosition = runtimeOpening
      ? async () => {
          const rt = await runtimeOpening;
          if (!rt.access.available) return null;
          const r = await rt.access.attempt({ accounts: [], sql: 'SELECT pg_current_wal_lsn()::text AS lsn' });
          // Raised: the runtime URL is a standby too (recovery in progress); probes will say so.
          return r.raised ? null : String(r.rows[0].lsn);
        }
      : undefined;
    const joined = await beginSnapshot(client, extras, primaryPosition);
    const laneSql = [client, ...joined].map((x) => countingSql(x, counter));
    const laneClient = [client, ...joined].map((x) => countingClient(x, counter));
    const runtime = await runtimeOpening;
    /** A collector's connections on `lane`: its own, and the other lanes as its parallel ones. */
    const io = (c: Collector, lane: number) => ({
      sql: laneSql[lane],
      client: laneClient[lane],
      parallel: [...laneSql.slice(lane + 1), ...laneSql.slice(0, lane)].slice(0, c.connections ?? 0),
      ...(c.needsRuntime ? { runtime: runtime!.access } : {}),
      ...(c.needsTransport ? { transport: transportAccess(db) } : {}),
    });
    try {
      // Probing collectors first: the reader's transactions hold no table lock yet (a TRUNCATE
      // attempt that passes the privilege check would queue behind one). On lanes, the others
      // start as soon as the last probing collector says its lock-taking attempts are done
      // (ctx.readersMayStart), and run beside the rest of its probes; on one lane, after it.
      const probing = collectors.filter((x) => x.needsRuntime);
      const rest = collectors.filter((x) => !x.needsRuntime);
      const usable = Math.min(lanes, laneSql.length);
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let probingFailed = false;
      const probingRun = (async () => {
        try {
          for (const [i, c] of probing.entries()) {
            let lockFree!: () => void;
            const free = new Promise<string>((resolve) => {
              lockFree = () => resolve('free');
            });
            const running = run(c, { ...io(c, 0), ...(usable > 1 ? { readersMayStart: lockFree } : {}) });
            if (i === probing.length - 1) {
              if (
                (await Promise.race([
                  free,
                  running.then(
                    () => 'done',
                    () => 'failed',
                  ),
                ])) === 'failed'
              )
                probingFailed = true;
              release();
            }
            await running;
          }
        } catch (e) {
          probingFailed = true;
          throw e;
        } finally {
          release();
        }
      })();
      const lanesRun = (async () => {
        await released;
        if (probingFailed) return;
        if (usable <= 1) {
          for (const c of rest) await run(c, io(c, 0));
        } else {
          // Lane 0 is the probing collectors' (their reads queue there): it is handed out last.
          await runOnLanes(laneOrder(rest), usable, (c, lane) => run(c, io(c, (lane + 1) % usable)));
        }
      })();
      // Both settle before the transactions end; the probing collectors' failure comes first.
      const [p, l] = await Promise.allSettled([probingRun, lanesRun]);
      if (p.status === 'rejected') throw p.reason;
      if (l.status === 'rejected') throw l.reason;
    } finally {
      await closeRuntime();
    }
    // Rolled back, not committed: the gate leaves no committed transaction in the audited database.
    await Promise.all([client.query('ROLLBACK'), ...joined.map((x) => x.query('ROLLBACK'))]);
  } catch (e) {
    broken = true;
    await Promise.all([client, ...extras].map((x) => x.query('ROLLBACK').catch(() => {})));
    await closeRuntime().catch(() => {});
    throw e;
  } finally {
    client.release(broken);
    for (const x of extras) x.release(broken);
  }
}
