/**
 * Verifies the audit hash chain: the policy. Every event's hash is recomputed from its
 * content and every link (prev_hash = hash of the previous event) is checked, in seq order,
 * from genesis or from the newest authentic signed checkpoint; the chain's end must be the
 * stored head. How the events of a range are read and hashed is verify-ranges.ts (one pass,
 * or worker threads over consecutive ranges), through the COPY binary codec
 * (verify-copy-codec.ts) or row by row (verify-rows.ts, TRUST_AUDIT_COPY_CODEC=0).
 *
 * Works with any pg client, including the read-only collector role inside a READ ONLY
 * transaction: it only SELECTs and COPYs out, and changes no session setting.
 */
import type pg from 'pg';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { findSigningKey, keyIdOf, verifyCheckpointSignature } from './keys.ts';
import { splitRanges, verifyInParallel, verifyRange } from './verify-ranges.ts';

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
/**
 * Whether the months table exists (a database migrated before 0420 has none) and the first seq
 * present. `e.seq`, qualified: a bare `seq` would name the text output column and sort every
 * event as text (0.3 s at a million events) instead of reading the first from the index.
 */
const BOTTOM_SQL = `SELECT to_regclass('public.chain_months') IS NOT NULL AS has_months, (SELECT e.seq::text FROM audit_events e ORDER BY e.seq LIMIT 1) AS first_seq`;

export async function verifyChain(client: pg.ClientBase, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // One round trip for the transaction, the checkpoint and the stored head. Within a
  // REPEATABLE READ snapshot the head read first is the head at the end as well.
  // The stored head is read in every mode, not only in a transaction of our own: a caller (the
  // audit collector) runs verification inside its own snapshot, and without this comparison
  // events removed from the end of the chain would pass (issue 13, defect 2).
  const statements = [...(opts.ownTransaction ? ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'] : []), ...(opts.from === 'checkpoint' ? [CHECKPOINT_SQL] : []), HEAD_SQL, BOTTOM_SQL];
  let done = false;
  try {
    const results = ([] as pg.QueryResult[]).concat((await client.query(statements.join(';\n'))) as unknown as pg.QueryResult | pg.QueryResult[]);
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
        result.firstBroken = {
          seq: headSeq + 1,
          reason: `events ${headSeq + 1}-${result.headSeq} lie beyond the stored chain head (seq ${headSeq}): the head stopped advancing, so those events were not chained through it`,
        };
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

interface CheckpointRow {
  seq: string;
  hash: Buffer;
  key_id: string;
  public_key: string;
  signature: Buffer;
  event_hash: Buffer | null;
}

interface Authenticity {
  signatureValid: boolean;
  keyTrusted: boolean;
  authentic: boolean;
  reason: string;
}

/** Whether a checkpoint row was signed by a key we trust (or, with no trust list, by its own stored key). */
function authenticate(cp: CheckpointRow, trusted: KeyObject[]): Authenticity {
  const seq = Number(cp.seq);
  const trustedKey = trusted.find((k) => keyIdOf(k) === cp.key_id);
  let key = trustedKey;
  if (!key) {
    try {
      key = createPublicKey(cp.public_key);
    } catch {
      key = undefined;
    }
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
      [base.seq, base.hash],
    );
    const found = rows.map((r) => ({ cp: r, a: authenticate(r, trusted) })).find((x) => x.a.authentic);
    if (!found) {
      return {
        ok: false,
        eventsVerified: 0,
        headSeq: base.seq,
        headHash: base.hash.toString('hex'),
        firstBroken: { seq: base.seq, reason: `events up to seq ${base.seq} are detached to cold storage, and no trusted checkpoint at seq ${base.seq} carries the hash recorded for it` },
      };
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
  const whole = ranges ? await verifyInParallel(client, startSeq, prev, ranges, opts.workers!) : await verifyRange(client, startSeq + 1, null, prev);
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
    `SELECT last_seq::text AS seq, last_hash AS hash FROM chain_months WHERE detached_at IS NOT NULL ORDER BY last_seq DESC LIMIT 1`,
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash ?? Buffer.alloc(0) } : null;
}
