import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle, serializeBundle } from '../../evidence/bundle/build.ts';
import { signBundle, serializeEnvelope, pae, PAYLOAD_TYPE } from '../../evidence/bundle/dsse.ts';
import { loadSigningKey, developmentKeyPath, type SigningKey } from '../../evidence/bundle/keys.ts';
import { verifyBundleBytes } from '../../evidence/bundle/verify.ts';
import { canonicalBytes, sha256Hex } from '../../platform/kernel/canonical.ts';
import { fixtureCatalog, fixtureChecks, fixtureParts } from '../fixtures/evidence/fixture.ts';
import { withEnv } from '../helpers/env.ts';

const PLATFORM = { schemaVersion: '0003_audit', postgresVersion: '17.2', gitCommit: 'abc' };

function makeBundle(development: boolean, state = {}) {
  const parts = fixtureParts(state);
  const { evaluations, summary } = evaluateCatalog(fixtureCatalog(), parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  return buildBundle({ catalog: fixtureCatalog(), parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: development });
}

let key: SigningKey;
let pem: string;
beforeAll(() => {
  pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  key = withEnv({ TRUST_SIGNING_KEY: pem }, () => loadSigningKey('/nonexistent'));
});

describe('bundle', () => {
  it('is canonical, has no timestamp, and is byte-identical for the same state', () => {
    const a = serializeBundle(makeBundle(false));
    const b = serializeBundle(makeBundle(false));
    expect(a.equals(b)).toBe(true);
    expect(canonicalBytes(JSON.parse(a.toString())).equals(a)).toBe(true);
    expect(a.toString()).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(serializeBundle(makeBundle(false, { tokensEncrypted: false })).equals(a)).toBe(false);
  });

  it('records a SHA-256 per part over the canonical facts', () => {
    const b = makeBundle(false);
    expect(b.parts.fixture.sha256).toBe(sha256Hex(canonicalBytes(b.parts.fixture.facts)));
    expect(Object.keys(b.parts)).toEqual(['design', 'fixture', 'schema']);
  });
});

describe('signing and verification', () => {
  const bundle = makeBundle(false);
  const bytes = serializeBundle(bundle);
  const signedAt = new Date('2026-11-21T12:00:00Z');

  it('writes a DSSE envelope with an in-toto Statement naming bundle.json, verified offline', () => {
    const env = signBundle(bytes, key, { signedAt, catalogVersion: '1.0.0' });
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(env.signatures).toEqual([{ keyid: key.keyid, sig: expect.any(String) }]);
    expect(key.keyid).toMatch(/^[0-9a-f]{16}$/);
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'bundle.json', digest: { sha256: sha256Hex(bytes) } }],
      predicateType: 'https://harborcloud.example/ns/trust-evidence/signature/v1',
      predicate: { signedAt: '2026-11-21T12:00:00.000Z', catalogVersion: '1.0.0', developmentKey: false },
    });
    expect(pae(PAYLOAD_TYPE, Buffer.from('hi')).toString()).toBe('DSSEv1 28 application/vnd.in-toto+json 2 hi');
    const r = verifyBundleBytes(bytes, serializeEnvelope(env), key.publicKeyPem);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('still verifies a bundle signed with the legacy urn: predicate type, and says so; an unknown type is refused', () => {
    // The envelope an earlier release wrote: same predicate body, the urn: type.
    const resign = (predicateType: string) => {
      const statement = JSON.parse(Buffer.from(signBundle(bytes, key, { signedAt, catalogVersion: '1.0.0' }).payload, 'base64').toString());
      const payload = canonicalBytes({ ...statement, predicateType });
      const sig = sign(null, pae(PAYLOAD_TYPE, payload), key.privateKey).toString('base64');
      return canonicalBytes({ payload: payload.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: key.keyid, sig }] });
    };
    const legacy = verifyBundleBytes(bytes, resign('urn:trust-evidence:signature:v1'), key.publicKeyPem);
    expect(legacy.failures).toEqual([]);
    expect(legacy.notes).toEqual(['signed with the legacy predicate type urn:trust-evidence:signature:v1; bundles signed now use https://harborcloud.example/ns/trust-evidence/signature/v1']);
    const other = verifyBundleBytes(bytes, resign('https://in-toto.io/attestation/test-result/v0.1'), key.publicKeyPem);
    expect(other.ok).toBe(false);
    expect(other.failures[0]).toMatch(/^statement: payload is not a trust-evidence in-toto Statement \(\/predicateType: /);
  });

  it('says exactly what fails: another key, a re-hashed tampered part, a reformatted envelope', () => {
    const env = serializeEnvelope(signBundle(bytes, key, { signedAt, catalogVersion: '1.0.0' }));
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const wrongKey = verifyBundleBytes(bytes, env, other);
    expect(wrongKey.failures).toHaveLength(2);
    expect(wrongKey.failures[0]).toMatch(/^signature keyid [0-9a-f]{16} does not match the public key/);
    expect(wrongKey.failures[1]).toBe('signature: Ed25519 signature over the DSSE payload does not verify with the public key');

    // Facts changed and re-signed by the attacker's own key would pass the signature with
    // their key; with ours, a facts change without updating the part hash is named:
    const tampered = JSON.parse(bytes.toString());
    tampered.parts.fixture.facts.flags.tokens_encrypted = false;
    const tb = canonicalBytes(tampered);
    const tenv = serializeEnvelope(signBundle(tb, key, { signedAt, catalogVersion: '1.0.0' }));
    expect(verifyBundleBytes(tb, tenv, key.publicKeyPem).failures).toEqual([
      `bundle.json: part fixture: facts hash ${sha256Hex(canonicalBytes(tampered.parts.fixture.facts))} does not match the recorded ${bundle.parts.fixture.sha256}`,
    ]);

    const pretty = Buffer.from(JSON.stringify(JSON.parse(env.toString()), null, 2));
    expect(verifyBundleBytes(bytes, pretty, key.publicKeyPem).failures).toEqual(['bundle.sig.json: bytes differ from the canonical (RFC 8785) serialization that was signed and written']);
    const trailing = Buffer.concat([bytes, Buffer.from('\n')]);
    expect(verifyBundleBytes(trailing, env, key.publicKeyPem).failures).toEqual([
      `bundle.json: SHA-256 ${sha256Hex(trailing)} does not match the signed digest ${sha256Hex(bytes)}`,
      'bundle.json: bytes are not canonical JSON (RFC 8785)',
    ]);
  });

  it('rejects every one of 10,000 random single-byte changes to the bundle or the envelope', () => {
    const env = serializeEnvelope(signBundle(bytes, key, { signedAt, catalogVersion: '1.0.0' }));
    expect(verifyBundleBytes(bytes, env, key.publicKeyPem).ok).toBe(true);
    // A seeded generator so a failure can be reproduced.
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      return seed % n;
    };
    const accepted: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const inBundle = i % 2 === 0;
      const target = Buffer.from(inBundle ? bytes : env);
      const at = rand(target.length);
      const was = target[at];
      target[at] = was ^ (1 + rand(255)); // never the same value
      const r = inBundle ? verifyBundleBytes(target, env, key.publicKeyPem) : verifyBundleBytes(bytes, target, key.publicKeyPem);
      if (r.ok) accepted.push(`${inBundle ? 'bundle' : 'envelope'}[${at}] ${was} -> ${target[at]}`);
    }
    expect(accepted).toEqual([]);
  }, 120_000);

  it('without a configured key generates a development key, warns, and the bundle and statement say so', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-keys-'));
    const warnings: string[] = [];
    const dev = withEnv({ TRUST_SIGNING_KEY: undefined, TRUST_SIGNING_KEY_FILE: undefined, TRUST_DATA_DIR: dir }, () => loadSigningKey('/repo', (m) => warnings.push(m)));
    expect(dev.development).toBe(true);
    expect(existsSync(path.join(dir, 'keys', 'bundle-signing-dev.pem'))).toBe(true);
    expect(warnings[0]).toMatch(/^warning: signing with a development key/);
    const again = withEnv({ TRUST_SIGNING_KEY: undefined, TRUST_SIGNING_KEY_FILE: undefined, TRUST_DATA_DIR: dir }, () => loadSigningKey('/repo', () => {}));
    expect(again.keyid).toBe(dev.keyid); // reused, not regenerated
    const b = serializeBundle(makeBundle(true));
    const r = verifyBundleBytes(b, serializeEnvelope(signBundle(b, dev, { signedAt, catalogVersion: '1.0.0' })), dev.publicKeyPem);
    expect(r.ok).toBe(true);
    expect(r.notes).toEqual(['signed with a DEVELOPMENT key: do not rely on this bundle for an audit']);
    // A development signature over a bundle that claims a production key is caught.
    expect(verifyBundleBytes(bytes, serializeEnvelope(signBundle(bytes, dev, { signedAt, catalogVersion: '1.0.0' })), dev.publicKeyPem).failures).toEqual([
      'statement: development-key flag differs from the bundle',
    ]);
    void developmentKeyPath;
  });

  it('reads TRUST_SIGNING_KEY_FILE and rejects a non-Ed25519 key with a one-line cause', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-keys-'));
    const file = path.join(dir, 'k.pem');
    writeFileSync(file, pem);
    const k = withEnv({ TRUST_SIGNING_KEY: undefined, TRUST_SIGNING_KEY_FILE: file }, () => loadSigningKey('/repo'));
    expect(k).toMatchObject({ development: false, keyid: key.keyid });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => withEnv({ TRUST_SIGNING_KEY: rsa }, () => loadSigningKey('/repo'))).toThrow('TRUST_SIGNING_KEY: signing key must be Ed25519, got rsa');
    expect(readFileSync(file, 'utf8')).toBe(pem);
  });
});
