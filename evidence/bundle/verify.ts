/**
 * Offline verification of bundle.json + bundle.sig.json with a public key. Pure
 * over bytes, so the tamper test can run it thousands of times in-process. Returns
 * every failure it finds, one line each; an empty list means verified.
 */
import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import { canonicalBytes, contentHash, sha256Hex } from '../../platform/kernel/canonical.ts';
import { BundleSchema, type Bundle } from '../types.ts';
import { EnvelopeSchema, StatementSchema, PAYLOAD_TYPE, PREDICATE_TYPE, LEGACY_PREDICATE_TYPE, pae, type Statement } from './dsse.ts';
import { keyIdOf } from './keys.ts';

export interface VerifyResult {
  ok: boolean;
  failures: string[];
  /** Facts worth telling the reader even when verified. */
  notes: string[];
  statement?: Statement;
  bundle?: Bundle;
  bundleSha256: string;
  keyid?: string;
}

function strictBase64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  const buf = Buffer.from(s, 'base64');
  // Re-encoding must give the same text: rejects non-zero padding bits and other aliases.
  return buf.toString('base64') === s ? buf : null;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function firstIssue(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const i = e.issues[0];
  return `/${i.path.map(String).join('/')}: ${i.message}`;
}

export function verifyBundleBytes(bundleBytes: Buffer, envelopeBytes: Buffer, publicKeyPem: string): VerifyResult {
  const failures: string[] = [];
  const notes: string[] = [];
  const bundleSha256 = sha256Hex(bundleBytes);
  const result: VerifyResult = { ok: false, failures, notes, bundleSha256 };

  let key: KeyObject | undefined;
  try {
    key = createPublicKey(publicKeyPem);
    if (key.asymmetricKeyType !== 'ed25519') {
      failures.push(`public key: expected Ed25519, got ${key.asymmetricKeyType}`);
      key = undefined;
    }
  } catch (e) {
    failures.push(`public key: not a readable PEM public key (${(e as Error).message.split('\n')[0]})`);
  }
  if (key) result.keyid = keyIdOf(key);

  // The envelope.
  const envJson = parseJson(envelopeBytes);
  if (envJson === undefined) {
    failures.push('bundle.sig.json: not valid JSON');
  } else {
    const env = EnvelopeSchema.safeParse(envJson);
    if (!env.success) {
      failures.push(`bundle.sig.json: not a DSSE envelope of ${PAYLOAD_TYPE} (${firstIssue(env.error)})`);
    } else {
      if (!canonicalBytes(envJson).equals(envelopeBytes)) failures.push('bundle.sig.json: bytes differ from the canonical (RFC 8785) serialization that was signed and written');
      const payload = strictBase64(env.data.payload);
      if (!payload) failures.push('bundle.sig.json: payload is not canonical base64');
      const sigs = env.data.signatures;
      if (sigs.length !== 1) failures.push(`bundle.sig.json: expected exactly one signature, found ${sigs.length}`);
      const [s] = sigs;
      if (key && s.keyid !== result.keyid) failures.push(`signature keyid ${s.keyid} does not match the public key (keyid ${result.keyid})`);
      const sig = strictBase64(s.sig);
      if (!sig) failures.push('bundle.sig.json: signature is not canonical base64');
      if (payload && sig && key) {
        if (!edVerify(null, pae(env.data.payloadType, payload), key, sig)) failures.push('signature: Ed25519 signature over the DSSE payload does not verify with the public key');
      }
      if (payload) {
        const st = StatementSchema.safeParse(parseJson(payload));
        if (!st.success) {
          failures.push(`statement: payload is not a trust-evidence in-toto Statement (${firstIssue(st.error)})`);
        } else {
          result.statement = st.data;
          const subject = st.data.subject[0];
          if (subject.name !== 'bundle.json') failures.push(`statement: subject is ${subject.name}, not bundle.json`);
          if (subject.digest.sha256 !== bundleSha256) failures.push(`bundle.json: SHA-256 ${bundleSha256} does not match the signed digest ${subject.digest.sha256}`);
          // Same predicate body, older name: the signature still covers it, so it verifies.
          if (st.data.predicateType === LEGACY_PREDICATE_TYPE) notes.push(`signed with the legacy predicate type ${LEGACY_PREDICATE_TYPE}; bundles signed now use ${PREDICATE_TYPE}`);
          if (st.data.predicate.developmentKey) notes.push('signed with a DEVELOPMENT key: do not rely on this bundle for an audit');
        }
      }
    }
  }

  // The bundle.
  const bundleJson = parseJson(bundleBytes);
  if (bundleJson === undefined) {
    failures.push('bundle.json: not valid JSON');
  } else {
    if (!canonicalBytes(bundleJson).equals(bundleBytes)) failures.push('bundle.json: bytes are not canonical JSON (RFC 8785)');
    const parsed = BundleSchema.safeParse(bundleJson);
    if (!parsed.success) {
      failures.push(`bundle.json: does not match the bundle schema (${firstIssue(parsed.error)})`);
    } else {
      result.bundle = parsed.data;
      for (const [id, part] of Object.entries(parsed.data.parts)) {
        const actual = contentHash(part.facts ?? null);
        if (actual !== part.sha256) failures.push(`bundle.json: part ${id}: facts hash ${actual} does not match the recorded ${part.sha256}`);
      }
      if (result.statement && result.statement.predicate.catalogVersion !== parsed.data.catalog.version) {
        failures.push(`statement: catalog version ${result.statement.predicate.catalogVersion} differs from the bundle's ${parsed.data.catalog.version}`);
      }
      if (result.statement && result.statement.predicate.developmentKey !== parsed.data.developmentSigningKey) {
        failures.push('statement: development-key flag differs from the bundle');
      }
    }
  }
  result.ok = failures.length === 0;
  return result;
}
