/**
 * The Ed25519 key that signs audit checkpoints.
 *
 * Sources, in order: TRUST_CHECKPOINT_KEY (PEM), TRUST_CHECKPOINT_KEY_FILE, else a
 * development key kept under `<data dir>/keys/` and created on first use with a
 * loud warning: a development key proves nothing to an outsider.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataRoot } from '../db/embedded.ts';
import { EnvironmentError } from '../kernel/errors.ts';

export interface CheckpointKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex chars of sha256(SPKI DER). */
  keyId: string;
  source: 'env' | 'file' | 'development';
}

export function devKeyPath(): string {
  return path.join(dataRoot(), 'keys', 'audit-checkpoint-ed25519.pem');
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function fromPem(pem: string, source: CheckpointKey['source'], where: string): CheckpointKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new EnvironmentError(`${where}: not a PEM private key (${(e as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new EnvironmentError(`${where}: the checkpoint key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), source };
}

/** The configured key, or null when none is configured and no development key exists. */
export function findSigningKey(): CheckpointKey | null {
  if (process.env.TRUST_CHECKPOINT_KEY) return fromPem(process.env.TRUST_CHECKPOINT_KEY, 'env', 'TRUST_CHECKPOINT_KEY');
  const file = process.env.TRUST_CHECKPOINT_KEY_FILE;
  if (file) {
    if (!existsSync(file)) throw new EnvironmentError(`TRUST_CHECKPOINT_KEY_FILE: ${file} does not exist`);
    return fromPem(readFileSync(file, 'utf8'), 'file', file);
  }
  const dev = devKeyPath();
  return existsSync(dev) ? fromPem(readFileSync(dev, 'utf8'), 'development', dev) : null;
}

/** The signing key; creates the development key when nothing is configured. */
export function loadSigningKey(warn: (m: string) => void = (m) => process.stderr.write(m + '\n')): CheckpointKey {
  const found = findSigningKey();
  if (found) {
    if (found.source === 'development') warn(`WARNING: audit checkpoints are signed with the DEVELOPMENT key ${devKeyPath()}; set TRUST_CHECKPOINT_KEY or TRUST_CHECKPOINT_KEY_FILE in production`);
    return found;
  }
  const dev = devKeyPath();
  mkdirSync(path.dirname(dev), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${dev}.${process.pid}.tmp`;
  writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  renameSync(tmp, dev);
  warn(`WARNING: no TRUST_CHECKPOINT_KEY configured: generated a DEVELOPMENT audit checkpoint key at ${dev}; it is not a production trust anchor`);
  return fromPem(readFileSync(dev, 'utf8'), 'development', dev);
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(seq: bigint | number | string, hashHex: string): Buffer {
  return Buffer.from(`harbor-audit-checkpoint:v1:${seq}:${hashHex}`, 'utf8');
}

export function signCheckpoint(key: CheckpointKey, seq: bigint | number | string, hashHex: string): Buffer {
  return sign(null, checkpointMessage(seq, hashHex), key.privateKey);
}

export function verifyCheckpointSignature(publicKey: KeyObject, seq: bigint | number | string, hashHex: string, signature: Buffer): boolean {
  try {
    return verify(null, checkpointMessage(seq, hashHex), publicKey, signature);
  } catch {
    return false;
  }
}
