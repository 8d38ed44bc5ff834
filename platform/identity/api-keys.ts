/**
 * API keys in three tiers. A key is 256 random bits, shown once at creation; the
 * database keeps only its SHA-256 and a display prefix (`hck_manage_3f9a`).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { AuthError } from './errors.ts';
import { sha256Hex } from './secret-hash.ts';
import { appendAuditEvent } from '../privacy/audit-log.ts';

export const TIERS = ['read', 'manage', 'admin'] as const;
export type Tier = (typeof TIERS)[number];
export const API_KEY_PATTERN = /^hck_(read|manage|admin)_[0-9a-f]{64}$/;

export interface ApiKeyPrincipal {
  kind: 'api_key';
  accountId: string;
  keyId: string;
  tier: Tier;
  displayPrefix: string;
}

export interface CreatedApiKey {
  id: string;
  /** The key itself: returned once, never stored, never logged. */
  key: string;
  displayPrefix: string;
  tier: Tier;
}

export function displayPrefixOf(key: string): string {
  const [, tier, secret] = key.split('_');
  return `hck_${tier}_${secret.slice(0, 4)}`;
}

export async function createApiKey(pool: pg.Pool, input: { accountId: string; name: string; tier: Tier; actor: string }): Promise<CreatedApiKey> {
  if (!TIERS.includes(input.tier)) throw new AuthError('insufficient_tier', `unknown tier "${String(input.tier)}" (expected ${TIERS.join(', ')})`);
  const key = `hck_${input.tier}_${randomBytes(32).toString('hex')}`;
  const displayPrefix = displayPrefixOf(key);
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ id: string }>(`INSERT INTO api_keys (account_id, name, tier, key_hash, display_prefix) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
      input.accountId,
      input.name,
      input.tier,
      sha256Hex(key),
      displayPrefix,
    ]);
    const id = r.rows[0].id;
    await appendAuditEvent(c, {
      accountId: input.accountId,
      actor: input.actor,
      action: 'api_key.created',
      subjectType: 'api_key',
      subjectId: id,
      details: { tier: input.tier, display_prefix: displayPrefix },
    });
    return { id, key, displayPrefix, tier: input.tier };
  });
}

export async function revokeApiKey(pool: pg.Pool, input: { accountId: string; keyId: string; actor: string }): Promise<void> {
  await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [input.keyId]);
    if (!r.rowCount) throw new AuthError('unknown_api_key', `no active API key ${input.keyId} in this account`);
    await appendAuditEvent(c, { accountId: input.accountId, actor: input.actor, action: 'api_key.revoked', subjectType: 'api_key', subjectId: input.keyId });
  });
}

/** Resolves a presented key to its principal; typed errors for malformed, unknown and revoked keys. Writes nothing. */
export async function authenticateApiKey(pool: pg.Pool, apiKey: unknown): Promise<ApiKeyPrincipal> {
  if (typeof apiKey !== 'string' || !API_KEY_PATTERN.test(apiKey)) {
    throw new AuthError('malformed_api_key', 'API key is malformed (expected hck_<tier>_<64 hex>)');
  }
  const hash = sha256Hex(apiKey);
  const row = await withTransaction(pool, {}, async (c) => {
    await c.query(`SELECT set_config('trust.lookup_hash', $1, true)`, [hash]);
    const r = await c.query<{ id: string; account_id: string; tier: Tier; display_prefix: string; revoked_at: Date | null }>(
      `SELECT id, account_id, tier, display_prefix, revoked_at FROM api_keys WHERE key_hash = $1`,
      [hash],
    );
    return r.rows[0];
  });
  if (!row) throw new AuthError('unknown_api_key', `API key ${displayPrefixOf(apiKey)}… is not known`);
  if (row.revoked_at) throw new AuthError('revoked_api_key', `API key ${row.display_prefix}… was revoked`);
  return { kind: 'api_key', accountId: row.account_id, keyId: row.id, tier: row.tier, displayPrefix: row.display_prefix };
}
