/**
 * The signed bundles the log names, kept beside it by content: `bundles/<sha256>.json` and
 * `bundles/<sha256>.sig.json` (the DSSE envelope). A bundle leaf says which bundle a run
 * published; this store keeps the bundle itself, so the history can show the evidence
 * behind any status change long after out/ was replaced.
 *
 * Content addressing makes every file write-once by construction: the name is the digest
 * of the bytes, so a second write of the same name writes the same bytes, and a write-once
 * bucket (S3 Object Lock, GCS retention) takes them as they are. Files are written before
 * the leaf that names them, so every logged digest has its bundle on disk (or in the
 * bucket, uploaded before the checkpoint).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../../platform/kernel/canonical.ts';
import { writeFileAtomic } from '../output/atomic-set.ts';

export const BUNDLES_DIR = 'bundles';

export function storedBundlePath(logDir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError(`not a SHA-256: ${sha256}`);
  return path.join(logDir, BUNDLES_DIR, `${sha256}.json`);
}

/** Stores bundle.json and its envelope under the bundle's digest; returns the digest. */
export function storeBundle(logDir: string, bundleBytes: Uint8Array, envelopeBytes: Uint8Array | string): string {
  const sha = sha256Hex(Buffer.from(bundleBytes));
  const file = storedBundlePath(logDir, sha);
  // Same name, same bytes: an existing file is left alone (write-once).
  if (!existsSync(file)) writeFileAtomic(file, Buffer.from(bundleBytes));
  const sig = file.replace(/\.json$/, '.sig.json');
  if (!existsSync(sig)) writeFileAtomic(sig, typeof envelopeBytes === 'string' ? envelopeBytes : Buffer.from(envelopeBytes));
  return sha;
}

/** The stored bundle's bytes, checked against its name; null when it is not stored. */
export function readStoredBundle(logDir: string, sha256: string): Buffer | null {
  const file = storedBundlePath(logDir, sha256);
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  if (sha256Hex(bytes) !== sha256) throw new Error(`${file}: its bytes hash to ${sha256Hex(bytes)}, not to its name`);
  return bytes;
}
