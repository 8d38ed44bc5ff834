/** SSH public keys: not secrets, stored in plaintext on purpose (see the column comment). */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';

const KEY_PATTERN = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) ([A-Za-z0-9+/=]+)( [^\n]{0,200})?$/;

export function sshFingerprint(publicKey: string): string {
  const m = KEY_PATTERN.exec(publicKey.trim());
  if (!m) throw new PlatformError('invalid_ssh_key', 'not an OpenSSH public key line (type base64 [comment])');
  const blob = Buffer.from(m[3], 'base64');
  // The blob starts with the key type as an SSH string; a mismatch means a damaged key.
  const typeLen = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  if (blob.subarray(4, 4 + typeLen).toString() !== m[1]) throw new PlatformError('invalid_ssh_key', 'public key blob does not match its type');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export async function addSshPublicKey(pool: pg.Pool, input: { accountId: string; name: string; publicKey: string }): Promise<{ id: string; fingerprint: string }> {
  const fingerprint = sshFingerprint(input.publicKey);
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ id: string }>(`INSERT INTO ssh_public_keys (account_id, name, public_key, fingerprint) VALUES ($1, $2, $3, $4) RETURNING id`, [
      input.accountId,
      input.name,
      input.publicKey.trim(),
      fingerprint,
    ]);
    return { id: r.rows[0].id, fingerprint };
  });
}
