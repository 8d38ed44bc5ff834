/**
 * Canonical JSON (RFC 8785, JCS) and hashing. Everything we hash or sign goes
 * through here, so "same data" always means "same bytes".
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** RFC 8785 serialization as UTF-8 bytes. Throws on values JSON cannot represent. */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return Buffer.from(text, 'utf8');
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the canonical JSON of a value: the content hash of facts, catalogs, bundles. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalBytes(value));
}
