/**
 * The Ed25519 signing key. Production keys come from the environment
 * (TRUST_SIGNING_KEY holds a PEM, TRUST_SIGNING_KEY_FILE names one); without
 * either we generate a development key under `<TRUST_DATA_DIR|.data>/keys/`, warn,
 * and the bundle records that it was signed with a development key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError, InputError } from '../../platform/kernel/errors.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** First 16 hex digits of SHA-256 over the public key's SPKI DER encoding. */
  keyid: string;
  development: boolean;
  /** Where it came from, for messages (never the key itself). */
  source: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return keyFingerprint(publicKey).slice(0, 16);
}

/** SHA-256 of the public key's DER (SPKI) encoding, hex: what reports and the site publish to pin the signer. */
export function keyFingerprint(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

function fromPem(pem: string, source: string, development: boolean): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new InputError(`${source}: not a readable PEM private key (${(e as Error).message.split('\n')[0]})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new InputError(`${source}: signing key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyid: keyIdOf(publicKey), development, source };
}

export function developmentKeyPath(root: string): string {
  return path.join(process.env.TRUST_DATA_DIR ?? path.join(root, '.data'), 'keys', 'bundle-signing-dev.pem');
}

/**
 * The SHA-256 of this installation's own signing key, when one is configured or was
 * generated here before; never generates one. `trust verify` pins the signer with it on the
 * machine that signs (the operator's), while an auditor elsewhere must pin explicitly.
 */
export function localSigningKeySha256(root: string): { sha256: string; source: string } | undefined {
  try {
    if (process.env.TRUST_SIGNING_KEY || process.env.TRUST_SIGNING_KEY_FILE) {
      const k = loadSigningKey(root, () => {});
      return { sha256: keyFingerprint(k.publicKey), source: k.source };
    }
    const devPath = developmentKeyPath(root);
    if (!existsSync(devPath)) return undefined;
    return { sha256: keyFingerprint(fromPem(readFileSync(devPath, 'utf8'), devPath, true).publicKey), source: devPath };
  } catch {
    return undefined;
  }
}

/** Loads the signing key; `warn` receives the development-key warning. */
export function loadSigningKey(root: string, warn: (m: string) => void = (m) => process.stderr.write(m + '\n')): SigningKey {
  if (process.env.TRUST_SIGNING_KEY) return fromPem(process.env.TRUST_SIGNING_KEY, 'TRUST_SIGNING_KEY', false);
  const file = process.env.TRUST_SIGNING_KEY_FILE;
  if (file) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new EnvironmentError(`TRUST_SIGNING_KEY_FILE ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return fromPem(pem, `TRUST_SIGNING_KEY_FILE ${file}`, false);
  }
  const devPath = developmentKeyPath(root);
  if (!existsSync(devPath)) {
    mkdirSync(path.dirname(devPath), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(devPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  warn(`warning: signing with a development key (${path.relative(root, devPath) || devPath}); set TRUST_SIGNING_KEY or TRUST_SIGNING_KEY_FILE for bundles auditors should trust`);
  return fromPem(readFileSync(devPath, 'utf8'), devPath, true);
}
