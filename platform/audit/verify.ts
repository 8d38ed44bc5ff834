/**
 * Verifies the audit hash chain by streaming `COPY ... TO STDOUT` and hashing the
 * raw line bytes (see migration 0003: an event's content bytes ARE its COPY text
 * line up to the prev_hash column). No row is parsed into objects; memory stays flat.
 *
 * Works with any pg client, including the read-only collector role inside a READ
 * ONLY transaction: it only SELECTs and COPYs out, and it restores the session
 * settings it changes.
 */
import type pg from 'pg';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { to as copyTo } from 'pg-copy-streams';
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
}

export interface VerifyResult {
  ok: boolean;
  eventsVerified: number;
  headSeq: number;
  headHash: string;
  firstBroken?: { seq: number; reason: string };
  checkpoint?: { seq: number; keyId: string; signatureValid: boolean; keyTrusted: boolean };
}

// COPY writes a bytea as `\\x` + 64 hex digits: 67 bytes; each follows a tab.
const HASH_FIELD = 67;
const TAIL = 2 * (HASH_FIELD + 1);
const TAB = 9;

export const CHAIN_COPY_SQL = `SELECT seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash FROM audit_events`;

export async function verifyChain(client: pg.ClientBase, opts: VerifyOptions = {}): Promise<VerifyResult> {
  if (opts.ownTransaction) await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const saved = (await client.query(
    `SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, current_setting('bytea_output') AS bo`)).rows[0];
  // Session-level on purpose: SET LOCAL would be a no-op outside a transaction.
  await client.query(`SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false), set_config('bytea_output', 'hex', false)`);
  try {
    const result = await run(client, opts);
    if (opts.ownTransaction && result.ok) {
      // Within one snapshot the stored head must be the last event we saw: events
      // removed from the end of the chain would otherwise go unnoticed.
      const head = (await client.query('SELECT seq::text AS seq, encode(hash, \'hex\') AS hash FROM event_chain_head')).rows[0];
      if (head && (Number(head.seq) !== result.headSeq || head.hash !== result.headHash)) {
        result.ok = false;
        result.firstBroken = { seq: result.headSeq + 1, reason: `chain head says seq ${head.seq} but the last event is seq ${result.headSeq}: events are missing at the end` };
      }
    }
    return result;
  } finally {
    await client.query(`SELECT set_config('TimeZone', $1, false), set_config('DateStyle', $2, false), set_config('bytea_output', $3, false)`, [saved.tz, saved.ds, saved.bo]);
    if (opts.ownTransaction) await client.query('COMMIT');
  }
}

async function run(client: pg.ClientBase, opts: VerifyOptions): Promise<VerifyResult> {
  let startSeq = 0;
  let prev: Buffer = GENESIS_HASH;
  let checkpoint: VerifyResult['checkpoint'];
  if (opts.from === 'checkpoint') {
    const cp = (await client.query(
      `SELECT c.seq::text AS seq, c.hash, c.key_id, c.public_key, c.signature, e.hash AS event_hash
         FROM audit_checkpoints c LEFT JOIN audit_events e ON e.seq = c.seq ORDER BY c.seq DESC LIMIT 1`)).rows[0];
    if (cp) {
      const seq = Number(cp.seq);
      const hashHex = (cp.hash as Buffer).toString('hex');
      const trusted = opts.trustedKeys ?? [findSigningKey()?.publicKey].filter((k): k is KeyObject => Boolean(k));
      const trustedKey = trusted.find((k) => keyIdOf(k) === cp.key_id);
      let key = trustedKey;
      if (!key) {
        try { key = createPublicKey(cp.public_key); } catch { key = undefined; }
      }
      const signatureValid = Boolean(key && keyIdOf(key) === cp.key_id && verifyCheckpointSignature(key, cp.seq, hashHex, cp.signature));
      checkpoint = { seq, keyId: cp.key_id, signatureValid, keyTrusted: Boolean(trustedKey) };
      const base = { eventsVerified: 0, headSeq: seq, headHash: hashHex, checkpoint };
      if (!signatureValid) return { ok: false, ...base, firstBroken: { seq, reason: `checkpoint at seq ${seq} has an invalid signature (key ${cp.key_id})` } };
      // With a trust list, a checkpoint under any other key proves nothing (anyone can sign their own).
      if (trusted.length && !trustedKey) return { ok: false, ...base, firstBroken: { seq, reason: `checkpoint at seq ${seq} is signed by key ${cp.key_id}, which is not trusted` } };
      if (!cp.event_hash) return { ok: false, ...base, firstBroken: { seq, reason: `checkpoint at seq ${seq} names an event that does not exist` } };
      if (!(cp.event_hash as Buffer).equals(cp.hash)) return { ok: false, ...base, firstBroken: { seq, reason: `event ${seq} no longer has the hash its signed checkpoint recorded` } };
      startSeq = seq;
      prev = cp.hash;
    }
  }

  const sql = `COPY (${CHAIN_COPY_SQL}${startSeq > 0 ? ` WHERE seq > ${startSeq}` : ''} ORDER BY seq) TO STDOUT`;
  const stream = client.query(copyTo(sql));
  let expectedSeq = startSeq + 1;
  let prevHex = prev.toString('hex');
  let verified = 0;
  let firstBroken: VerifyResult['firstBroken'];
  let carry: Buffer = Buffer.allocUnsafe(1 << 16);
  let carryLen = 0;

  const line = (buf: Buffer, start: number, end: number): void => {
    const len = end - start;
    let seq = 0;
    let p = start;
    for (; p < end && buf[p] !== TAB; p++) seq = seq * 10 + (buf[p] - 48);
    verified++;
    if (firstBroken) return;
    if (len < TAIL + 2 || buf[end - TAIL] !== TAB || buf[end - HASH_FIELD - 1] !== TAB) {
      firstBroken = { seq, reason: `event ${seq} is malformed (hash columns missing)` };
      return;
    }
    if (seq !== expectedSeq) {
      firstBroken = { seq, reason: `expected event ${expectedSeq}, found ${seq}: events are missing or reordered` };
      return;
    }
    const storedPrev = buf.toString('latin1', end - TAIL + 4, end - HASH_FIELD - 1);
    const storedHash = buf.toString('latin1', end - HASH_FIELD + 3, end);
    if (storedPrev !== prevHex) {
      firstBroken = { seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` };
      return;
    }
    const h = createHash('sha256');
    h.update(Buffer.from(storedPrev, 'hex'));
    h.update(buf.subarray(start, end - TAIL));
    const computed = h.digest('hex');
    if (computed !== storedHash) {
      firstBroken = { seq, reason: `event ${seq} was altered: its content does not match its hash` };
      return;
    }
    prevHex = storedHash;
    expectedSeq = seq + 1;
  };

  let lastHashHex = prevHex;
  let lastSeq = startSeq;
  const track = (buf: Buffer, start: number, end: number) => {
    line(buf, start, end);
    lastHashHex = buf.toString('latin1', end - HASH_FIELD + 3, end);
    let s = 0;
    for (let p = start; p < end && buf[p] !== TAB; p++) s = s * 10 + (buf[p] - 48);
    lastSeq = s;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      if (carryLen === 0) {
        track(chunk, pos, nl);
      } else {
        carry = append(carry, carryLen, chunk, pos, nl);
        carryLen += nl - pos;
        track(carry, 0, carryLen);
        carryLen = 0;
      }
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      carry = append(carry, carryLen, chunk, pos, chunk.length);
      carryLen += chunk.length - pos;
    }
  }
  return {
    ok: !firstBroken,
    eventsVerified: verified,
    headSeq: lastSeq,
    headHash: lastHashHex,
    ...(firstBroken ? { firstBroken } : {}),
    ...(checkpoint ? { checkpoint } : {}),
  };
}

/** Appends src[from, to) to the reused carry buffer, growing it only when a line is longer than ever before. */
function append(carry: Buffer, used: number, src: Buffer, from: number, to: number): Buffer {
  const need = used + (to - from);
  if (need > carry.length) {
    const bigger: Buffer = Buffer.allocUnsafe(Math.max(need, carry.length * 2));
    carry.copy(bigger, 0, 0, used);
    carry = bigger;
  }
  src.copy(carry, used, from, to);
  return carry;
}
