/**
 * The plain way to verify a range of the audit chain, without the COPY binary codec
 * (verify-copy-codec.ts): what runs when TRUST_AUDIT_COPY_CODEC=0, and what the codec's
 * equivalence test (test/platform/audit-codec.test.ts) compares it with.
 *
 * The server prints each content column as text, in forms that no session setting changes
 * (the timestamp through to_char at UTC, as the chain trigger does when DateStyle is not ISO);
 * the line is joined here with COPY's escapes by chain-line.ts, the same code the bulk demo
 * chains events with (test/platform/bulk-demo.test.ts proves it equal to the trigger).
 * Rows are read through a cursor, a batch at a time, so memory stays flat; WITH HOLD lets it
 * run outside a transaction too, and it is closed before returning.
 *
 * Every check and every verdict is the codec's, in the same order, event by event.
 */
import type pg from 'pg';
import { createHash } from 'node:crypto';
import { copyField } from './chain-line.ts';
import type { RangeResult, RangeScope } from './verify-ranges.ts';

const BATCH = 2_000;
let cursors = 0;

interface ChainRow {
  /** As text (an alias of its own: ORDER BY seq must sort the column, not its text). */
  seq_text: string;
  /** `YYYY-MM-DD HH:MM:SS[.ffffff]` at UTC; null when absent or outside years 2000-9999 (the codec's range). */
  occurred: string | null;
  account_id: string | null;
  actor: string | null;
  action: string | null;
  subject_type: string | null;
  subject_id: string | null;
  details: string | null;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

const columns = `seq::text AS seq_text,
  CASE WHEN isfinite(occurred_at) AND extract(year FROM occurred_at AT TIME ZONE 'UTC') BETWEEN 2000 AND 9999
    THEN rtrim(rtrim(to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') END AS occurred,
  account_id::text AS account_id, actor, action, subject_type, subject_id, details::text AS details, prev_hash, hash`;

/** Verifies one range (see verifyRange in verify-ranges.ts), a row at a time. */
export async function verifyRangeByRows(client: pg.ClientBase, scope: RangeScope, prev: Buffer | null): Promise<RangeResult> {
  const cursor = `trust_verify_rows_${process.pid}_${++cursors}`;
  let verified = 0;
  let lastSeq = scope.from - 1;
  let lastHash: Buffer = prev ? Buffer.from(prev) : Buffer.alloc(32);
  let prevHash: Buffer = lastHash;
  let expectedSeq = scope.from;
  let takeFirst = prev === null;
  let firstSeq: number | null = null;
  let firstPrev: Buffer | null = null;
  let firstBroken: RangeResult['firstBroken'];

  const check = (r: ChainRow): void => {
    verified++;
    const seq = Number(r.seq_text);
    const hashOk = r.prev_hash?.length === 32 && r.hash?.length === 32;
    if (hashOk) lastHash = r.hash!;
    lastSeq = seq;
    firstSeq ??= seq;
    if (firstBroken) return;
    if (!hashOk || !(seq >= 1)) {
      firstBroken = { seq, reason: `event ${seq} is malformed (hash columns missing)` };
      return;
    }
    if (takeFirst) {
      takeFirst = false;
      expectedSeq = seq;
      prevHash = r.prev_hash!;
      firstPrev = r.prev_hash!;
    }
    if (seq !== expectedSeq) {
      firstBroken = { seq, reason: `expected event ${expectedSeq}, found ${seq}: events are missing or reordered` };
      return;
    }
    if (!prevHash.equals(r.prev_hash!)) {
      firstBroken = { seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` };
      return;
    }
    if (r.occurred === null) {
      firstBroken = { seq, reason: `event ${seq} is malformed (a content column has an unexpected binary form)` };
      return;
    }
    const line = [r.seq_text, `${r.occurred}+00`, r.account_id, r.actor, r.action, r.subject_type, r.subject_id, r.details].map(copyField).join('\t');
    const digest = createHash('sha256').update(r.prev_hash!).update(line, 'utf8').digest();
    if (!digest.equals(r.hash!)) {
      firstBroken = { seq, reason: `event ${seq} was altered: its content does not match its hash` };
      return;
    }
    prevHash = r.hash!;
    expectedSeq = seq + 1;
  };

  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR WITH HOLD FOR SELECT ${columns} FROM ${scope.table}${scope.where ? ` WHERE ${scope.where}` : ''} ORDER BY seq`);
  try {
    for (;;) {
      const { rows } = await client.query<ChainRow>(`FETCH FORWARD ${BATCH} FROM ${cursor}`);
      for (const r of rows) check(r);
      if (rows.length < BATCH) break;
    }
  } finally {
    // In an aborted transaction the cursor is gone already, and the error that aborted it is the one to report.
    await client.query(`CLOSE ${cursor}`).catch(() => {});
  }
  return {
    verified,
    firstSeq,
    firstPrev: firstPrev ? (firstPrev as Buffer).toString('hex') : null,
    lastSeq,
    lastHash: lastHash.toString('hex'),
    ...(firstBroken ? { firstBroken } : {}),
  };
}
