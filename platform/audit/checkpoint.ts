/**
 * Signed checkpoints. A checkpoint is only written for a chain that verifies (from
 * the previous checkpoint), and it signs exactly the head the verification reached.
 */
import type pg from 'pg';
import { loadSigningKey, signCheckpoint, type CheckpointKey } from './keys.ts';
import { verifyChain } from './verify.ts';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';

export interface Checkpoint {
  seq: number;
  hash: string;
  keyId: string;
  created: boolean;
}

/**
 * Verifies incrementally with the reader pool, then signs and stores the head as the schema
 * owner: the runtime role may not write checkpoints (migration 0300), and the database refuses
 * one whose seq, hash or key id do not match the chain.
 */
export async function createCheckpoint(pools: { owner: pg.Pool; reader: pg.Pool }, key: CheckpointKey = loadSigningKey()): Promise<Checkpoint | null> {
  const client = await pools.reader.connect();
  let result;
  try {
    result = await verifyChain(client, { from: 'checkpoint', trustedKeys: [key.publicKey], ownTransaction: true });
  } finally {
    client.release();
  }
  if (!result.ok) throw new PlatformError('audit_chain_broken', `refusing to sign a broken chain: ${result.firstBroken?.reason}`);
  if (result.headSeq === 0) return null;
  return withTransaction(pools.owner, {}, async (c) => {
    const signature = signCheckpoint(key, result.headSeq, result.headHash);
    const r = await c.query(
      `INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5)
       ON CONFLICT (seq) DO NOTHING`,
      [result.headSeq, result.headHash, key.keyId, key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), signature],
    );
    return { seq: result.headSeq, hash: result.headHash, keyId: key.keyId, created: r.rowCount === 1 };
  });
}
