/**
 * RFC 6962 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256:
 *   leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
 * and the empty tree's hash is SHA-256 of nothing. The domain-separation prefix is
 * what stops a node from being passed off as a leaf (second-preimage attacks).
 *
 * Hashing is the cost of appending, proving and verifying, so both functions copy into
 * one scratch buffer and use the one-shot `crypto.hash` (no Hash object per call).
 */
import crypto from 'node:crypto';

export const HASH_SIZE = 32;
export const EMPTY_ROOT: Buffer = crypto.createHash('sha256').digest();

const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;
let leafScratch = Buffer.alloc(1024);

function sha256(data: Buffer): Buffer {
  return crypto.hash('sha256', data, 'buffer') as unknown as Buffer;
}

export function leafHash(data: Uint8Array): Buffer {
  if (data.length + 1 > leafScratch.length) leafScratch = Buffer.alloc(Math.max(2 * leafScratch.length, data.length + 1));
  leafScratch[0] = 0x00;
  leafScratch.set(data, 1);
  return sha256(leafScratch.subarray(0, data.length + 1));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/** Plain SHA-256, the floor the full-verification benchmark is measured against. */
export function plainSha256(data: Uint8Array): Buffer {
  return sha256(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** MTH of a list of leaf hashes, the plain recursive RFC 9162 §2.1.1 definition (tests and small trees). */
export function naiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

/** The largest power of two strictly smaller than n (n > 1), the split point of RFC 9162 §2.1.1. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
