import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { CIPHERTEXT_PATTERN, DecryptionError, Keyring } from '../../platform/crypto/keyring.ts';
import { loadEncryptionConfig } from '../../platform/crypto/encrypted-columns.ts';

function keyring(active = 1, versions = [1]) {
  const keys = Object.fromEntries(versions.map((v) => [String(v), randomBytes(32).toString('base64')]));
  return new Keyring({ active, keys, created: { [String(active)]: '2026-01-01T00:00:00Z' } }, 'env', 'test');
}
const ctx = { table: 'oauth_connections', column: 'refresh_token', rowId: '7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11' };

describe('keyring', () => {
  it('round-trips and produces the documented shape, with the key version visible', () => {
    const k = keyring(2, [1, 2]);
    const ct = k.encrypt('refresh-token-value', ctx);
    expect(ct).toMatch(CIPHERTEXT_PATTERN);
    expect(ct.startsWith('tev1:2:')).toBe(true);
    expect(k.decrypt(ct, ctx)).toBe('refresh-token-value');
    // encryption.yaml publishes the same pattern collectors will use
    expect(loadEncryptionConfig().ciphertext_pattern).toBe(CIPHERTEXT_PATTERN.source);
  });

  it('a ciphertext moved to another row or column fails to decrypt', () => {
    const k = keyring();
    const ct = k.encrypt('secret', ctx);
    expect(() => k.decrypt(ct, { ...ctx, rowId: '00000000-0000-0000-0000-000000000001' })).toThrow(DecryptionError);
    expect(() => k.decrypt(ct, { ...ctx, column: 'access_token' })).toThrow(/altered or belongs to another row or column/);
    expect(() => k.decrypt(ct, { ...ctx, table: 'agent_secrets' })).toThrow(DecryptionError);
  });

  it('flipping any single byte of the payload fails with DecryptionError, never garbage', () => {
    const k = keyring();
    const ct = k.encrypt('a token of some length', ctx);
    const [fmt, ver, packed] = ct.split(':');
    const raw = Buffer.from(packed, 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] ^= 0x01;
      const tampered = `${fmt}:${ver}:${bad.toString('base64url')}`;
      expect(() => k.decrypt(tampered, ctx), `byte ${i}`).toThrow(DecryptionError);
    }
    // Each character position of the text form too (format, version, separators, payload).
    for (let i = 0; i < ct.length; i++) {
      const ch = ct[i] === 'A' ? 'B' : 'A';
      const tampered = ct.slice(0, i) + ch + ct.slice(i + 1);
      expect(() => k.decrypt(tampered, ctx), `char ${i}`).toThrow(DecryptionError);
    }
  });

  it('an unknown key version and malformed input are typed errors', () => {
    const k = keyring();
    const other = keyring(3, [3]).encrypt('x', ctx);
    expect(() => k.decrypt(other, ctx)).toThrow(expect.objectContaining({ reason: 'unknown_key_version' }));
    for (const bad of ['', 'plain-token', 'tev1:1:', 'tev2:1:' + 'A'.repeat(40), 'tev1:x:' + 'A'.repeat(40)]) {
      expect(() => k.decrypt(bad, ctx)).toThrow(expect.objectContaining({ name: 'DecryptionError', reason: 'malformed' }));
    }
  });

  it('100,000 encryptions use 100,000 distinct nonces', () => {
    const k = keyring();
    const nonces = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const packed = k.encrypt('x', ctx).split(':')[2];
      nonces.add(Buffer.from(packed, 'base64url').subarray(0, 12).toString('hex'));
    }
    expect(nonces.size).toBe(100_000);
  });

  it('describes itself without key bytes', () => {
    const k = keyring(2, [1, 2]);
    const d = k.describe(new Date('2026-01-31T00:00:00Z'));
    expect(d).toMatchObject({ algorithm: 'AES-256-GCM', nonce_bits: 96, active_version: 2 });
    expect(d.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(d.versions[1].age_days).toBe(30);
    const text = JSON.stringify(d);
    expect(text).not.toMatch(/[A-Za-z0-9+/]{43}=/);
  });

  it('refuses a key of the wrong length', () => {
    expect(() => new Keyring({ active: 1, keys: { '1': randomBytes(16).toString('base64') } }, 'env', 'TRUST_KEYRING')).toThrow(/16 bytes, expected 32/);
  });
});
