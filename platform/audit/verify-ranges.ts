/**
 * A chain range and the parallel verification of the whole chain in ranges.
 *
 * `verifyRange` verifies the events of one seq range, through the COPY binary codec
 * (verify-copy-codec.ts) or, with TRUST_AUDIT_COPY_CODEC=0, row by row (verify-rows.ts):
 * the same result either way (test/platform/audit-codec.test.ts).
 *
 * `verifyInParallel` spreads a full verification over worker threads, each on its own
 * connection in this run's snapshot (exported and imported, as pg_dump -j does), over
 * consecutive seq ranges whose links are joined at the boundaries: the verdict of one pass
 * (test/platform/audit-parallel.test.ts).
 */
import type pg from 'pg';
import { copyCodecEnabled, verifyRangeByCopy } from './verify-copy-codec.ts';
import { verifyRangeByRows } from './verify-rows.ts';
import type { VerifyOptions } from './verify.ts';

/** What one pass over a seq range found. */
export interface RangeResult {
  verified: number;
  /** Seq of the range's first event (null when it has none). */
  firstSeq: number | null;
  /** prev_hash of the range's first event when the pass took it as given (hex); null otherwise, or when that event is malformed. */
  firstPrev: string | null;
  lastSeq: number;
  lastHash: string;
  firstBroken?: { seq: number; reason: string };
}

/** The rows of a range: seq in [from, to] of `table` (`where` says it in SQL; empty for everything). */
export interface RangeScope {
  from: number;
  to: number | null;
  table: string;
  where: string;
}

/**
 * Verifies the events with seq in [from, to] (no upper bound when `to` is null). With
 * `prev` null the first event's seq and prev_hash are taken as given and returned
 * (`firstSeq`, `firstPrev`), for the caller to join with the range before.
 */
export async function verifyRange(client: pg.ClientBase, from: number, to: number | null, prev: Buffer | null, table = 'audit_events'): Promise<RangeResult> {
  const where = [from > 1 ? `seq >= ${from}` : '', to !== null ? `seq <= ${to}` : ''].filter(Boolean).join(' AND ');
  const scope = { from, to, table, where };
  return copyCodecEnabled() ? verifyRangeByCopy(client, scope, prev) : verifyRangeByRows(client, scope, prev);
}

const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Consecutive [from, to] seq ranges after `startSeq`, smaller than one per thread so that
 * threads which finish early take more; or null when too few events to be worth it.
 */
export async function splitRanges(client: pg.ClientBase, startSeq: number, w: NonNullable<VerifyOptions['workers']>): Promise<[number, number][] | null> {
  if (w.count < 1) return null;
  const { rows } = await client.query<{ last: string | null }>(`SELECT max(seq)::text AS last FROM audit_events`);
  const last = rows[0]?.last === null || rows[0]?.last === undefined ? startSeq : Number(rows[0].last);
  const events = last - startSeq;
  if (events < (w.minEvents ?? 100_000) || events < w.count + 1) return null;
  const size = Math.max(1, Math.ceil(events / (8 * (w.count + 1))));
  const ranges: [number, number][] = [];
  for (let from = startSeq + 1; from <= last; from += size) ranges.push([from, Math.min(last, from + size - 1)]);
  return ranges;
}

/**
 * This thread verifies the first range from the known `prev`; then it and the worker
 * threads, each in the same snapshot, take the remaining ranges in turn. A range's first
 * prev_hash must be the hash the range before ended on; the first break in seq order is
 * the verdict, as in one pass. A worker that cannot start leaves its share to the others.
 */
export async function verifyInParallel(client: pg.ClientBase, startSeq: number, prev: Buffer, ranges: [number, number][], w: NonNullable<VerifyOptions['workers']>): Promise<RangeResult> {
  const { rows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
  const snapshot = rows[0].snapshot;
  if (!SNAPSHOT_ID.test(snapshot)) throw new Error(`unexpected snapshot id from the server: ${snapshot}`);
  const { startRangeWorker } = await import('./verify-thread.ts');
  // Started first: each connects and imports the snapshot while this thread hashes.
  const workers = Array.from({ length: w.count }, () => startRangeWorker({ connectionString: w.connectionString, snapshot }));
  const parts: RangeResult[] = new Array(ranges.length);
  let next = 1;
  const take = () => (next < ranges.length ? next++ : -1);
  const work = async (verify: (from: number, to: number) => Promise<RangeResult>) => {
    for (let i = take(); i >= 0; i = take()) parts[i] = await verify(ranges[i][0], ranges[i][1]);
  };
  try {
    const here = (async () => {
      parts[0] = await verifyRange(client, ranges[0][0], ranges[0][1], prev);
      await work((from, to) => verifyRange(client, from, to, null));
    })();
    const there = workers.map(async (x) => {
      try {
        await x.ready;
      } catch {
        return; // never connected: took no range
      }
      await work((from, to) => x.verify(from, to));
    });
    await Promise.all([here, ...there]);
  } finally {
    await Promise.all(workers.map((x) => x.close().catch(() => {})));
  }
  let joined: RangeResult = { verified: 0, firstSeq: null, firstPrev: null, lastSeq: startSeq, lastHash: prev.toString('hex') };
  for (const part of parts) {
    if (!part.verified) continue;
    // The checks one pass makes on an event, in its order, for the event at the seam.
    let firstBroken = joined.firstBroken;
    const seq = part.firstSeq!;
    if (!firstBroken && part !== parts[0] && part.firstPrev !== null) {
      if (seq !== joined.lastSeq + 1) firstBroken = { seq, reason: `expected event ${joined.lastSeq + 1}, found ${seq}: events are missing or reordered` };
      else if (part.firstPrev !== joined.lastHash) firstBroken = { seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` };
    }
    firstBroken ??= part.firstBroken;
    joined = {
      verified: joined.verified + part.verified,
      firstSeq: joined.firstSeq ?? seq,
      firstPrev: null,
      lastSeq: part.lastSeq,
      lastHash: part.lastHash,
      ...(firstBroken ? { firstBroken } : {}),
    };
  }
  return joined;
}
