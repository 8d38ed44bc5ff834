/**
 * The audit chain's months (migration 0420): audit_events is partitioned by seq, one partition
 * per month of the chain. The owner closes the open month at the month's turn, a checkpoint is
 * signed at its last event (so the month can be witnessed and, later, detached), and the oldest
 * closed months can be detached to cold storage while the rest stays verifiable from the
 * checkpoint at the boundary (platform/audit/verify.ts).
 */
import type pg from 'pg';
import { loadSigningKey, signCheckpoint, type CheckpointKey } from './keys.ts';
import { verifyChain } from './verify.ts';
import { verifyRange, type RangeResult } from './verify-ranges.ts';
import { PlatformError } from '../kernel/errors.ts';

export interface ClosedMonth {
  month: string;
  lastSeq: number;
  lastHash: string;
  checkpointed: boolean;
}

/**
 * Seals the open month at the chain end (audit_close_month(), as the owner), then signs a
 * checkpoint at its last event after verifying the chain up to the head. Returns null when the
 * open month held no event (it is replaced by the current month's partition).
 */
export async function closeMonth(pools: { owner: pg.Pool; reader: pg.Pool }, key: CheckpointKey = loadSigningKey()): Promise<ClosedMonth | null> {
  const { rows } = await pools.owner.query<{ month: string | null; last_seq: string | null; last_hash: Buffer | null }>(
    `SELECT to_char(month, 'YYYY-MM') AS month, last_seq::text AS last_seq, last_hash FROM audit_close_month()`,
  );
  const r = rows[0];
  if (!r?.month || r.last_seq === null || !r.last_hash) return null;
  const lastSeq = Number(r.last_seq);
  const lastHash = r.last_hash.toString('hex');
  await checkpointAt(pools, key, lastSeq, lastHash);
  return { month: r.month, lastSeq, lastHash, checkpointed: true };
}

/** Signs a checkpoint at `seq` (which must carry `hash`), once the chain verifies from the last checkpoint. */
export async function checkpointAt(pools: { owner: pg.Pool; reader: pg.Pool }, key: CheckpointKey, seq: number, hash: string): Promise<void> {
  const client = await pools.reader.connect();
  try {
    const v = await verifyChain(client, { from: 'checkpoint', trustedKeys: [key.publicKey], ownTransaction: true });
    if (!v.ok) throw new PlatformError('audit_chain_broken', `refusing to sign a broken chain: ${v.firstBroken?.reason}`);
  } finally {
    client.release();
  }
  await pools.owner.query(`INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5) ON CONFLICT (seq) DO NOTHING`, [
    seq,
    hash,
    key.keyId,
    key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signCheckpoint(key, seq, hash),
  ]);
}

/** Detaches the oldest attached closed month (it must be checkpointed); returns the detached table's name. */
export async function detachMonth(owner: pg.Pool, month: string): Promise<string> {
  const { rows } = await owner.query<{ t: string }>(`SELECT audit_detach_month(($1 || '-01')::date) AS t`, [month]);
  return rows[0].t;
}

/**
 * Verifies a detached month (its table, restored from cold storage or not yet dropped) on its
 * own: its first event must point at `prevHash` (the previous month's last hash, or zeros for
 * the first month) and its last must be `lastSeq` with `lastHash`, the values its checkpoint and
 * its transparency-log entry carry. Nothing else in the database is needed.
 */
export async function verifyDetachedMonth(client: pg.ClientBase, table: string, m: { firstSeq: number; prevHash: Buffer; lastSeq: number; lastHash: string }): Promise<RangeResult> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new PlatformError('invalid_argument', `not a table name: ${table}`);
  const r = await verifyRange(client, m.firstSeq, null, m.prevHash, table);
  if (!r.firstBroken && (r.lastSeq !== m.lastSeq || r.lastHash !== m.lastHash)) {
    r.firstBroken = { seq: r.lastSeq, reason: `the month ends at seq ${r.lastSeq} with hash ${r.lastHash}, not at seq ${m.lastSeq} with the witnessed hash ${m.lastHash}` };
  }
  return r;
}
