/**
 * Verifies the audit hash chain. Every event's hash is recomputed from its content and
 * every link (prev_hash = hash of the previous event) is checked, in seq order.
 *
 * The content bytes of an event are the PostgreSQL COPY text-format line of its content
 * columns (migration 0003). Rather than have the server format that text (timestamps,
 * uuids and two hex-encoded hashes per row cost it more than the whole table scan), we
 * stream `COPY ... TO STDOUT (FORMAT binary)` and rebuild the text line here, byte for
 * byte as COPY writes it (see `contentLine`): integers in decimal, the timestamp in ISO
 * form at UTC with trailing zeros of the fraction dropped, the uuid in lower-case hex,
 * jsonb as its text (the binary jsonb form is a version byte followed by that text), and
 * every field with COPY's escapes. No row becomes an object; one scratch buffer is reused,
 * so memory stays flat in the number of events.
 *
 * Works with any pg client, including the read-only collector role inside a READ ONLY
 * transaction: it only SELECTs and COPYs out, and changes no session setting.
 */
import type pg from 'pg';
import crypto, { createPublicKey, type KeyObject } from 'node:crypto';
import { CopyOut } from './copy-out.ts';
import { findSigningKey, keyIdOf, verifyCheckpointSignature } from './keys.ts';

export const GENESIS_HASH = Buffer.alloc(32);

export interface VerifyOptions {
  /** 'checkpoint' starts at the latest signed checkpoint (falls back to genesis when none). */
  from?: 'genesis' | 'checkpoint';
  /**
   * Public keys trusted for checkpoints; default: the configured signing key, if any.
   * With no trusted key at all, a checkpoint is checked against the public key stored
   * with it and reported as `keyTrusted: false`.
   */
  trustedKeys?: KeyObject[];
  /** Wrap the run in its own READ ONLY REPEATABLE READ transaction (for a client not already in one). */
  ownTransaction?: boolean;
  /**
   * Also verify in worker threads, each on its own connection to `connectionString` in this
   * run's snapshot (exported and imported, as pg_dump -j does), over consecutive seq ranges
   * whose links are joined at the boundaries: the same verdict as one pass, with the
   * hashing spread over the machine's cores. Only with `ownTransaction`, and only when
   * there are at least `minEvents` events to verify (default 100,000).
   */
  workers?: { connectionString: string; count: number; minEvents?: number };
}

export interface VerifyResult {
  ok: boolean;
  eventsVerified: number;
  headSeq: number;
  headHash: string;
  firstBroken?: { seq: number; reason: string };
  checkpoint?: { seq: number; keyId: string; signatureValid: boolean; keyTrusted: boolean };
  /** Checkpoint rows newer than the one verification started from that are not authentic, each with why. */
  ignoredCheckpoints?: { seq: number; keyId: string; reason: string }[];
  /** The stored chain head (event_chain_head) in the same snapshot; null when the table is absent. */
  storedHead?: { seq: number; hash: string } | null;
}

/** The columns streamed, in order: the content columns, then prev_hash and hash. */
export const CHAIN_COPY_SQL = `SELECT seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash FROM audit_events`;
const FIELDS = 10;

/**
 * The newest checkpoints, newest first: the first authentic one is where verification starts,
 * and any newer row that is not authentic (forged, or under an untrusted key) is reported in
 * `ignoredCheckpoints`. A bounded look-back: a run of more forged rows than this falls back to
 * reporting the newest one's problem as the break.
 */
const CHECKPOINT_LOOKBACK = 50;
const CHECKPOINT_SQL = `SELECT c.seq::text AS seq, c.hash, c.key_id, c.public_key, c.signature, e.hash AS event_hash
  FROM audit_checkpoints c LEFT JOIN audit_events e ON e.seq = c.seq ORDER BY c.seq DESC LIMIT ${CHECKPOINT_LOOKBACK}`;
const HEAD_SQL = `SELECT seq::text AS seq, encode(hash, 'hex') AS hash FROM event_chain_head`;
/** Whether the months table exists (a database migrated before 0420 has none) and the first seq present. */
const BOTTOM_SQL = `SELECT to_regclass('public.chain_months') IS NOT NULL AS has_months, (SELECT seq::text FROM audit_events ORDER BY seq LIMIT 1) AS first_seq`;

export async function verifyChain(client: pg.ClientBase, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // One round trip for the transaction, the checkpoint and the stored head. Within a
  // REPEATABLE READ snapshot the head read first is the head at the end as well.
  // The stored head is read in every mode, not only in a transaction of our own: a caller (the
  // audit collector) runs verification inside its own snapshot, and without this comparison
  // events removed from the end of the chain would pass (issue 13, defect 2).
  const statements = [
    ...(opts.ownTransaction ? ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'] : []),
    ...(opts.from === 'checkpoint' ? [CHECKPOINT_SQL] : []),
    HEAD_SQL,
    BOTTOM_SQL,
  ];
  let done = false;
  try {
    const results = ([] as pg.QueryResult[]).concat(await client.query(statements.join(';\n')) as unknown as pg.QueryResult | pg.QueryResult[]);
    let i = opts.ownTransaction ? 1 : 0;
    const cps = opts.from === 'checkpoint' ? (results[i++].rows as CheckpointRow[]) : [];
    const head = results[i++].rows[0] as { seq: string; hash: string } | undefined;
    const bottom = results[i++].rows[0] as { has_months: boolean; first_seq: string | null };
    // Months can have been detached (0420) only when the chain here no longer starts at seq 1.
    const mayBeDetached = bottom.has_months && bottom.first_seq !== null && Number(bottom.first_seq) > 1;
    const result = await run(client, opts, cps, mayBeDetached);
    result.storedHead = head ? { seq: Number(head.seq), hash: head.hash } : null;
    if (result.ok && head) {
      // The stored head must be the last event we saw.
      const headSeq = Number(head.seq);
      if (headSeq > result.headSeq) {
        result.ok = false;
        result.firstBroken = { seq: result.headSeq + 1, reason: `the stored chain head is seq ${headSeq} but the last event is seq ${result.headSeq}: events are missing at the end` };
      } else if (headSeq < result.headSeq) {
        result.ok = false;
        result.firstBroken = { seq: headSeq + 1, reason: `events ${headSeq + 1}-${result.headSeq} lie beyond the stored chain head (seq ${headSeq}): the head stopped advancing, so those events were not chained through it` };
      } else if (head.hash !== result.headHash) {
        result.ok = false;
        result.firstBroken = { seq: headSeq, reason: `the stored chain head at seq ${headSeq} carries a different hash than event ${headSeq}` };
      }
    }
    done = true;
    return result;
  } finally {
    if (opts.ownTransaction) {
      // After a failed statement the transaction is aborted; ROLLBACK ends it either way.
      await client.query(done ? 'COMMIT' : 'ROLLBACK');
    }
  }
}

interface CheckpointRow { seq: string; hash: Buffer; key_id: string; public_key: string; signature: Buffer; event_hash: Buffer | null }

interface Authenticity { signatureValid: boolean; keyTrusted: boolean; authentic: boolean; reason: string }

/** Whether a checkpoint row was signed by a key we trust (or, with no trust list, by its own stored key). */
function authenticate(cp: CheckpointRow, trusted: KeyObject[]): Authenticity {
  const seq = Number(cp.seq);
  const trustedKey = trusted.find((k) => keyIdOf(k) === cp.key_id);
  let key = trustedKey;
  if (!key) {
    try { key = createPublicKey(cp.public_key); } catch { key = undefined; }
  }
  const signatureValid = Boolean(key && keyIdOf(key) === cp.key_id && verifyCheckpointSignature(key, cp.seq, cp.hash.toString('hex'), cp.signature));
  const keyTrusted = Boolean(trustedKey);
  // With a trust list, a checkpoint under any other key proves nothing (anyone can sign their own).
  if (!signatureValid) return { signatureValid, keyTrusted, authentic: false, reason: `checkpoint at seq ${seq} has an invalid signature (key ${cp.key_id})` };
  if (trusted.length && !keyTrusted) return { signatureValid, keyTrusted, authentic: false, reason: `checkpoint at seq ${seq} is signed by key ${cp.key_id}, which is not trusted` };
  return { signatureValid, keyTrusted, authentic: true, reason: '' };
}

async function run(client: pg.ClientBase, opts: VerifyOptions, cps: CheckpointRow[], mayBeDetached: boolean): Promise<VerifyResult> {
  let startSeq = 0;
  let prev: Buffer = GENESIS_HASH;
  let checkpoint: VerifyResult['checkpoint'];
  const trusted = opts.trustedKeys ?? [findSigningKey()?.publicKey].filter((k): k is KeyObject => Boolean(k));
  // Start from the newest authentic checkpoint. Newer rows that are not authentic (the runtime
  // role could once insert any row, and the table is append-only) are passed over and reported,
  // so a forged row can neither stop verification nor go unmentioned. When no row is authentic,
  // the newest one's problem is the break, as before.
  const checked = cps.map((cp) => ({ cp, a: authenticate(cp, trusted) }));
  const at = checked.findIndex((x) => x.a.authentic);
  let chosen = at >= 0 ? checked[at] : checked[0];
  const ignoredCheckpoints = at > 0 ? checked.slice(0, at).map((x) => ({ seq: Number(x.cp.seq), keyId: x.cp.key_id, reason: x.a.reason })) : [];
  let cp = chosen?.cp;
  // Months detached to cold storage (migration 0420): the chain here starts after the newest
  // one, from the checkpoint that carries its last event. A checkpoint at or below that boundary
  // names an event no longer in the table, so verification starts at the boundary instead.
  const base = mayBeDetached ? await detachedBase(client) : null;
  if (base && (!cp || Number(cp.seq) <= base.seq)) {
    const { rows } = await client.query<CheckpointRow>(
      `SELECT c.seq::text AS seq, c.hash, c.key_id, c.public_key, c.signature, c.hash AS event_hash FROM audit_checkpoints c WHERE c.seq = $1 AND c.hash = $2`,
      [base.seq, base.hash]);
    const found = rows.map((r) => ({ cp: r, a: authenticate(r, trusted) })).find((x) => x.a.authentic);
    if (!found) {
      return { ok: false, eventsVerified: 0, headSeq: base.seq, headHash: base.hash.toString('hex'), firstBroken: { seq: base.seq,
        reason: `events up to seq ${base.seq} are detached to cold storage, and no trusted checkpoint at seq ${base.seq} carries the hash recorded for it` } };
    }
    cp = found.cp;
    chosen = found;
  }
  if (cp) {
    const seq = Number(cp.seq);
    const hashHex = cp.hash.toString('hex');
    const { signatureValid, keyTrusted } = chosen.a;
    checkpoint = { seq, keyId: cp.key_id, signatureValid, keyTrusted };
    const base = { eventsVerified: 0, headSeq: seq, headHash: hashHex, checkpoint, ...(ignoredCheckpoints.length ? { ignoredCheckpoints } : {}) };
    if (!chosen.a.authentic) return { ok: false, ...base, firstBroken: { seq, reason: chosen.a.reason } };
    if (!cp.event_hash) return { ok: false, ...base, firstBroken: { seq, reason: `checkpoint at seq ${seq} names an event that does not exist` } };
    if (!cp.event_hash.equals(cp.hash)) return { ok: false, ...base, firstBroken: { seq, reason: `event ${seq} no longer has the hash its signed checkpoint recorded` } };
    startSeq = seq;
    prev = cp.hash;
  }

  const ranges = opts.workers && opts.ownTransaction ? await splitRanges(client, startSeq, opts.workers) : null;
  const whole = ranges
    ? await verifyInParallel(client, startSeq, prev, ranges, opts.workers!)
    : await verifyRange(client, startSeq + 1, null, prev);
  return {
    ok: !whole.firstBroken,
    eventsVerified: whole.verified,
    headSeq: whole.lastSeq,
    headHash: whole.lastHash,
    ...(whole.firstBroken ? { firstBroken: whole.firstBroken } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(ignoredCheckpoints.length ? { ignoredCheckpoints } : {}),
  };
}

/** The last event of the newest month detached from audit_events (0420), or null. */
async function detachedBase(client: pg.ClientBase): Promise<{ seq: number; hash: Buffer } | null> {
  // Asked only when chain_months exists (BOTTOM_SQL), so a caller's transaction (the
  // collectors' shared one) is never aborted by a missing table.
  const { rows } = await client.query<{ seq: string; hash: Buffer | null }>(
    `SELECT last_seq::text AS seq, last_hash AS hash FROM chain_months WHERE detached_at IS NOT NULL ORDER BY last_seq DESC LIMIT 1`);
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash ?? Buffer.alloc(0) } : null;
}

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

/**
 * Verifies the events with seq in [from, to] (no upper bound when `to` is null). With
 * `prev` null the first event's seq and prev_hash are taken as given and returned
 * (`firstSeq`, `firstPrev`), for the caller to join with the range before.
 */
export async function verifyRange(client: pg.ClientBase, from: number, to: number | null, prev: Buffer | null, table = 'audit_events'): Promise<RangeResult> {
  const where = [from > 1 ? `seq >= ${from}` : '', to !== null ? `seq <= ${to}` : ''].filter(Boolean).join(' AND ');
  // `table`: another relation with the chain's columns (a month detached to cold storage, 0420).
  const source = table === 'audit_events' ? CHAIN_COPY_SQL : CHAIN_COPY_SQL.replace(/ FROM audit_events$/, ` FROM ${table}`);
  const sql = `COPY (${source}${where ? ` WHERE ${where}` : ''} ORDER BY seq) TO STDOUT (FORMAT binary)`;
  const checker = new ChainChecker(from - 1, prev);
  await client.query(new CopyOut(sql, (buf, start, end) => checker.feed(buf, start, end))).done;
  checker.finish();
  return {
    verified: checker.verified,
    firstSeq: checker.firstSeq,
    firstPrev: checker.firstPrev ? checker.firstPrev.toString('hex') : null,
    lastSeq: checker.lastSeq,
    lastHash: checker.lastHash.toString('hex'),
    ...(checker.firstBroken ? { firstBroken: checker.firstBroken } : {}),
  };
}

const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

/**
 * Consecutive [from, to] seq ranges after `startSeq`, smaller than one per thread so that
 * threads which finish early take more; or null when too few events to be worth it.
 */
async function splitRanges(client: pg.ClientBase, startSeq: number, w: NonNullable<VerifyOptions['workers']>): Promise<[number, number][] | null> {
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
async function verifyInParallel(client: pg.ClientBase, startSeq: number, prev: Buffer, ranges: [number, number][], w: NonNullable<VerifyOptions['workers']>): Promise<RangeResult> {
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

// ---------------------------------------------------------------------------------------
// The binary COPY stream: an 11-byte signature, flags and header extension, then per row
// a 16-bit field count and each field as a 32-bit length (-1 for NULL) and its bytes,
// then a 16-bit -1. Chunks split rows anywhere; an incomplete row waits in `carry`.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;
const NEEDS_MORE = -1;
const BACKSLASH = 0x5c;
const TAB = 0x09;
/** The letter COPY writes after a backslash for bytes 0x08-0x0d (\b \t \n \v \f \r). */
const ESCAPE_LETTER = [0x62, 0x74, 0x6e, 0x76, 0x66, 0x72];
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const US_PER_DAY = 86_400_000_000;
/** Days from 1970-01-01 to 2000-01-01, the PostgreSQL timestamp epoch. */
const PG_EPOCH_DAYS = 10_957;

/**
 * sha256 of data as a 32-character latin1 string (one char per byte): in one call where
 * the runtime has crypto.hash (Node >= 20.12). A string result costs far less per call
 * than a Buffer, and a million calls is the whole budget of a full verification.
 */
const sha256Latin1: (data: Buffer) => string = typeof crypto.hash === 'function'
  ? (data) => crypto.hash('sha256', data, 'binary')
  : (data) => crypto.createHash('sha256').update(data).digest('binary');

/** Whether the 32-character latin1 digest equals the 32 bytes at buf[p..]. */
function sameDigest(digest: string, buf: Buffer, p: number): boolean {
  for (let i = 0; i < 32; i++) if (digest.charCodeAt(i) !== buf[p + i]) return false;
  return true;
}

class ChainChecker {
  verified = 0;
  lastSeq: number;
  lastHash: Buffer;
  firstBroken: VerifyResult['firstBroken'];
  private expectedSeq: number;
  /** The stored hash of the previous event (the checkpoint's or genesis at the start). */
  private prevHash: Buffer;
  private state: 'header' | 'rows' | 'trailer' = 'header';
  private carry = Buffer.allocUnsafe(1 << 16);
  private carryLen = 0;
  /** prev_hash (32 bytes) followed by the content line: what the event's hash covers. */
  private out = Buffer.allocUnsafe(1 << 16);
  private readonly offs = new Int32Array(FIELDS);
  private readonly lens = new Int32Array(FIELDS);

  /** The first event's seq, and its prev_hash when the checker was not given one (a range joined later). */
  firstSeq: number | null = null;
  firstPrev: Buffer | null = null;
  private takeFirst: boolean;

  constructor(startSeq: number, prev: Buffer | null) {
    this.lastSeq = startSeq;
    this.expectedSeq = startSeq + 1;
    this.takeFirst = prev === null;
    this.prevHash = Buffer.from(prev ?? GENESIS_HASH);
    this.lastHash = Buffer.from(prev ?? GENESIS_HASH);
  }

  finish(): void {
    if (this.state !== 'trailer' || this.carryLen > 0) throw new Error('audit chain COPY stream ended early');
  }

  /** Consumes chunk[start, n); throws on a stream that is not a binary COPY of the chain's columns. */
  feed(chunk: Buffer, start: number, n: number): void {
    let pos = start;
    if (this.carryLen > 0) {
      // Complete the pending item with as few bytes of this chunk as it takes.
      let taken = start;
      for (;;) {
        const step = Math.min(n - taken, Math.max(4096, this.carryLen));
        this.append(chunk, taken, taken + step);
        taken += step;
        const end = this.item(this.carry, 0, this.carryLen);
        if (end !== NEEDS_MORE) {
          pos = taken - (this.carryLen - end);
          this.carryLen = 0;
          break;
        }
        if (taken === n) return;
      }
    }
    while (pos < n) {
      const end = this.item(chunk, pos, n);
      if (end === NEEDS_MORE) {
        this.append(chunk, pos, n);
        return;
      }
      pos = end;
    }
  }

  private append(src: Buffer, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.carry.length * 2));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    src.copy(this.carry, this.carryLen, from, to);
    this.carryLen = need;
  }

  /** Consumes one item (header, row or trailer) at buf[pos..end); returns where it ends, or NEEDS_MORE. */
  private item(buf: Buffer, pos: number, end: number): number {
    if (this.state === 'header') {
      if (end - pos < HEADER) return NEEDS_MORE;
      if (buf.compare(SIGNATURE, 0, SIGNATURE.length, pos, pos + SIGNATURE.length) !== 0) throw new Error('audit chain COPY stream: not a binary COPY signature');
      const ext = buf.readUInt32BE(pos + SIGNATURE.length + 4);
      if (end - pos < HEADER + ext) return NEEDS_MORE;
      this.state = 'rows';
      return pos + HEADER + ext;
    }
    if (this.state === 'trailer') throw new Error('audit chain COPY stream: data after the end marker');
    if (end - pos < 2) return NEEDS_MORE;
    const nf = (buf[pos] << 8) | buf[pos + 1];
    if (nf === 0xffff) {
      this.state = 'trailer';
      return pos + 2;
    }
    if (nf !== FIELDS) throw new Error(`audit chain COPY stream: ${nf} fields in a row, expected ${FIELDS}`);
    const { offs, lens } = this;
    let p = pos + 2;
    for (let f = 0; f < FIELDS; f++) {
      if (end - p < 4) return NEEDS_MORE;
      const len = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      p += 4;
      offs[f] = p;
      lens[f] = len;
      if (len > 0) {
        if (end - p < len) return NEEDS_MORE;
        p += len;
      }
    }
    this.row(buf);
    return p;
  }

  /** One complete row: its fields are at offs/lens in buf. */
  private row(buf: Buffer): void {
    const { offs, lens } = this;
    this.verified++;
    const seq = lens[0] === 8 ? int64(buf, offs[0]) : NaN;
    const hashOk = lens[8] === 32 && lens[9] === 32;
    if (hashOk) copy32(buf, offs[9], this.lastHash);
    this.lastSeq = seq;
    this.firstSeq ??= seq;
    if (this.firstBroken) return;
    if (!hashOk || !(seq >= 1)) {
      this.firstBroken = { seq, reason: `event ${seq} is malformed (hash columns missing)` };
      return;
    }
    if (this.takeFirst) {
      // A range joined later: its first seq and link are checked at the seam.
      this.takeFirst = false;
      this.expectedSeq = seq;
      copy32(buf, offs[8], this.prevHash);
      this.firstPrev = Buffer.from(this.prevHash);
    }
    if (seq !== this.expectedSeq) {
      this.firstBroken = { seq, reason: `expected event ${this.expectedSeq}, found ${seq}: events are missing or reordered` };
      return;
    }
    if (!same32(this.prevHash, buf, offs[8])) {
      this.firstBroken = { seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` };
      return;
    }
    const n = this.contentLine(buf);
    if (n < 0) {
      this.firstBroken = { seq, reason: `event ${seq} is malformed (a content column has an unexpected binary form)` };
      return;
    }
    if (!sameDigest(sha256Latin1(this.out.subarray(0, n)), buf, offs[9])) {
      this.firstBroken = { seq, reason: `event ${seq} was altered: its content does not match its hash` };
      return;
    }
    copy32(buf, offs[9], this.prevHash);
    this.expectedSeq = seq + 1;
  }

  /**
   * Writes prev_hash followed by the event's COPY text line (without the newline) into
   * `out`; returns its length, or -1 when a column's binary form is not what it should be.
   */
  private contentLine(buf: Buffer): number {
    const { offs, lens } = this;
    let size = 32 + 128;
    for (let f = 0; f < 8; f++) if (lens[f] > 0) size += 2 * lens[f] + 1;
    if (size > this.out.length) this.out = Buffer.allocUnsafe(Math.max(size, this.out.length * 2));
    const out = this.out;
    copy32(buf, offs[8], out);
    let o = 32;
    // seq bigint
    o = writeDecimal(out, o, int64(buf, offs[0]));
    out[o++] = TAB;
    // occurred_at timestamptz
    if (lens[1] !== 8) return -1;
    o = writeTimestamp(out, o, buf, offs[1]);
    if (o < 0) return -1;
    out[o++] = TAB;
    // account_id uuid (nullable)
    if (lens[2] === -1) {
      out[o++] = BACKSLASH;
      out[o++] = 0x4e; // N
    } else {
      if (lens[2] !== 16) return -1;
      o = writeUuid(out, o, buf, offs[2]);
    }
    // actor, action, subject_type, subject_id: text
    for (let f = 3; f < 7; f++) {
      out[o++] = TAB;
      o = writeText(out, o, buf, offs[f], lens[f]);
    }
    out[o++] = TAB;
    // details jsonb: version 1, then its text form
    if (lens[7] === -1) return writeText(out, o, buf, 0, -1);
    if (lens[7] < 1 || buf[offs[7]] !== 1) return -1;
    return writeText(out, o, buf, offs[7] + 1, lens[7] - 1);
  }
}

/** A big-endian int64 as a number (exact up to 2^53). */
function int64(buf: Buffer, p: number): number {
  const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const lo = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
  return hi * 4294967296 + lo;
}

/** Copies the 32 bytes at src[p..] to the start of dst (a loop: cheaper than Buffer#copy for so few bytes). */
function copy32(src: Buffer, p: number, dst: Buffer): void {
  for (let i = 0; i < 32; i++) dst[i] = src[p + i];
}

/** Whether the first 32 bytes of a equal the 32 bytes at b[p..]. */
function same32(a: Buffer, b: Buffer, p: number): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[p + i]) return false;
  return true;
}

function writeDecimal(out: Buffer, o: number, v: number): number {
  if (v < 0) {
    out[o++] = 0x2d;
    v = -v;
  }
  let width = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) width++;
  return writeDigits(out, o, v, width);
}

function writeDigits(out: Buffer, o: number, v: number, width: number): number {
  for (let i = o + width - 1; i >= o; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
  return o + width;
}

/**
 * A timestamptz (microseconds since 2000-01-01 UTC) as COPY prints it with TimeZone=UTC
 * and DateStyle=ISO: `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, trailing zeros of the fraction
 * dropped. Years 2000-9999 (the table's CHECK); anything else returns -1.
 */
function writeTimestamp(out: Buffer, o: number, buf: Buffer, p: number): number {
  const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const lo = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
  let days: number;
  let usOfDay: number;
  if (hi >= 0 && hi < 1 << 21) {
    const v = hi * 4294967296 + lo; // < 2^53: exact
    days = Math.floor(v / US_PER_DAY);
    usOfDay = v - days * US_PER_DAY;
  } else {
    const v = BigInt.asIntN(64, buf.readBigInt64BE(p));
    if (v < 0n) return -1;
    days = Number(v / BigInt(US_PER_DAY));
    usOfDay = Number(v % BigInt(US_PER_DAY));
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), proleptic Gregorian.
  const z = days + PG_EPOCH_DAYS + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 2000 || year > 9999) return -1;
  const secs = Math.floor(usOfDay / 1_000_000);
  let frac = usOfDay - secs * 1_000_000;
  o = writeDigits(out, o, year, 4);
  out[o++] = 0x2d;
  o = writeDigits(out, o, month, 2);
  out[o++] = 0x2d;
  o = writeDigits(out, o, day, 2);
  out[o++] = 0x20;
  o = writeDigits(out, o, Math.floor(secs / 3600), 2);
  out[o++] = 0x3a;
  o = writeDigits(out, o, Math.floor(secs / 60) % 60, 2);
  out[o++] = 0x3a;
  o = writeDigits(out, o, secs % 60, 2);
  if (frac > 0) {
    out[o++] = 0x2e;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    o = writeDigits(out, o, frac, width);
  }
  out[o++] = 0x2b;
  out[o++] = 0x30;
  out[o++] = 0x30;
  return o;
}

function writeUuid(out: Buffer, o: number, buf: Buffer, p: number): number {
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[o++] = 0x2d;
    const b = buf[p + i];
    out[o++] = HEX[b >> 4];
    out[o++] = HEX[b & 15];
  }
  return o;
}

/** A text field as COPY text format writes it: \N for NULL, backslash and 0x08-0x0d escaped. */
function writeText(out: Buffer, o: number, buf: Buffer, p: number, len: number): number {
  if (len < 0) {
    out[o++] = BACKSLASH;
    out[o++] = 0x4e; // N
    return o;
  }
  const end = p + len;
  for (let i = p; i < end; i++) {
    const c = buf[i];
    if (c === BACKSLASH) {
      out[o++] = BACKSLASH;
      out[o++] = BACKSLASH;
    } else if (c >= 0x08 && c <= 0x0d) {
      out[o++] = BACKSLASH;
      out[o++] = ESCAPE_LETTER[c - 0x08];
    } else {
      out[o++] = c;
    }
  }
  return o;
}
