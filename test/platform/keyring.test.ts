import { describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes } from 'node:crypto';
import { CIPHERTEXT_PATTERN, DecryptionError, Keyring } from '../../platform/crypto/keyring.ts';
import { loadEncryptionConfig } from '../../platform/crypto/encrypted-columns.ts';

function keyring(active = 1, versions = [1]) {
  const keys = Object.fromEntries(versions.map((v) => [String(v), randomBytes(32).toString('base64')]));
  return new Keyring({ active, keys, created: { [String(active)]: '2026-01-01T00:00:00Z' } }, 'env', 'test');
}
const ctx = { table: 'oauth_connections', column: 'refresh_token', rowId: '7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11', owner: { account_id: '1c8f0d1f-0a11-4d5a-9d51-7b0d6a840f6e', provider: 'github' } };

/** A tev1 ciphertext as the previous release wrote it: associated data `table/column/rowId` only. */
function legacyEncrypt(keyB64: string, version: number, plaintext: string, c: { table: string; column: string; rowId: string }): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyB64, 'base64'), nonce, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(`${c.table}/${c.column}/${c.rowId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `tev1:${version}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
}

describe('keyring', () => {
  it('round-trips and produces the documented shape, with the key version visible', () => {
    const k = keyring(2, [1, 2]);
    const ct = k.encrypt('refresh-token-value', ctx);
    expect(ct).toMatch(CIPHERTEXT_PATTERN);
    expect(ct.startsWith('tev2:2:')).toBe(true);
    expect(k.formatOf(ct)).toBe('tev2');
    expect(k.decrypt(ct, ctx)).toBe('refresh-token-value');
    // encryption.yaml publishes the same pattern collectors will use
    expect(loadEncryptionConfig().ciphertext_pattern).toBe(CIPHERTEXT_PATTERN.source);
  });

  it('a ciphertext moved to another row or column fails to decrypt', () => {
    const k = keyring();
    const ct = k.encrypt('secret', ctx);
    expect(() => k.decrypt(ct, { ...ctx, rowId: '00000000-0000-0000-0000-000000000001' })).toThrow(DecryptionError);
    expect(() => k.decrypt(ct, { ...ctx, column: 'access_token' })).toThrow(/altered or belongs to another row, column or owner/);
    expect(() => k.decrypt(ct, { ...ctx, table: 'agent_secrets' })).toThrow(DecryptionError);
  });

  it('a ciphertext whose row names another owner fails to decrypt: each owner column is bound', () => {
    const k = keyring();
    const secret = {
      table: 'agent_secrets',
      column: 'ciphertext',
      rowId: ctx.rowId,
      owner: { account_id: ctx.owner.account_id, agent_id: '0f6e4d5a-9d51-4c8f-8d1f-0a117b0d6a84', name: 'OPENAI_API_KEY' },
    };
    const ct = k.encrypt('sk-value', secret);
    expect(k.decrypt(ct, secret)).toBe('sk-value');
    for (const [col, other] of [
      ['account_id', '2c8f0d1f-0a11-4d5a-9d51-7b0d6a840f6e'],
      ['agent_id', '1f6e4d5a-9d51-4c8f-8d1f-0a117b0d6a84'],
      ['name', 'STOLEN_KEY'],
    ]) {
      expect(() => k.decrypt(ct, { ...secret, owner: { ...secret.owner, [col]: other } }), col).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
    }
    // Leaving an owner column out, or adding one, is another binding too.
    const { name: _n, ...noName } = secret.owner;
    expect(() => k.decrypt(ct, { ...secret, owner: noName })).toThrow(DecryptionError);
    expect(() => k.decrypt(ct, { ...secret, owner: { ...secret.owner, vm_id: 'x' } })).toThrow(DecryptionError);
    // A uuid is bound as the database prints it (lower case), whatever case the caller used.
    expect(k.decrypt(ct, { ...secret, rowId: secret.rowId.toUpperCase(), owner: { ...secret.owner, account_id: secret.owner.account_id.toUpperCase() } })).toBe('sk-value');
    // A separator inside a value cannot shift the binding onto another owner.
    const a = k.encrypt('x', { ...secret, owner: { ...secret.owner, name: 'A' } });
    expect(() => k.decrypt(a, { ...secret, rowId: `${secret.rowId}","`, owner: { ...secret.owner, name: 'A' } })).toThrow(DecryptionError);
  });

  it('tev1 (row-only binding) still opens as the migration path, ignores the owner, and is re-encrypted as tev2', () => {
    const keys = { '1': randomBytes(32).toString('base64') };
    const k = new Keyring({ active: 1, keys }, 'env', 'test');
    const old = legacyEncrypt(keys['1'], 1, 'legacy-token', ctx);
    expect(old).toMatch(CIPHERTEXT_PATTERN);
    expect(k.formatOf(old)).toBe('tev1');
    expect(k.decrypt(old, ctx)).toBe('legacy-token');
    // The defect tev2 closes: tev1 does not see the owner.
    expect(k.decrypt(old, { ...ctx, owner: { account_id: '2c8f0d1f-0a11-4d5a-9d51-7b0d6a840f6e', provider: 'gitlab' } })).toBe('legacy-token');
    expect(() => k.decrypt(old, { ...ctx, rowId: '00000000-0000-0000-0000-000000000001' })).toThrow(DecryptionError);
    const now = k.reencrypt(old, ctx);
    expect(k.formatOf(now)).toBe('tev2');
    expect(k.decrypt(now, ctx)).toBe('legacy-token');
    expect(() => k.decrypt(now, { ...ctx, owner: { ...ctx.owner, provider: 'gitlab' } })).toThrow(DecryptionError);
    // Relabelling one format as the other never opens: the associated data differs.
    expect(() => k.decrypt(now.replace(/^tev2:/, 'tev1:'), ctx)).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
    expect(() => k.decrypt(old.replace(/^tev1:/, 'tev2:'), ctx)).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
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
    for (const bad of ['', 'plain-token', 'tev1:1:', 'tev2:1:', 'tev3:1:' + 'A'.repeat(40), 'tev2:x:' + 'A'.repeat(40)]) {
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
