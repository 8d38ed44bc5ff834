/**
 * OAuth `state` nonces: 256 random bits, stored as SHA-256, valid 10 minutes, single use.
 * Consumption is one conditional UPDATE ... RETURNING, so of two concurrent consumers
 * exactly one wins.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { sha256Hex } from '../identity/secret-hash.ts';
import { OAuthError } from './errors.ts';

export const STATE_LIFETIME_SECONDS = 600;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function createOAuthState(pool: pg.Pool, input: { accountId: string; provider: string }): Promise<string> {
  const state = randomBytes(32).toString('base64url');
  await withTransaction(pool, { accounts: [input.accountId] }, (c) =>
    c.query(`INSERT INTO oauth_states (account_id, provider, state_hash, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, [
      input.accountId,
      input.provider,
      sha256Hex(state),
      STATE_LIFETIME_SECONDS,
    ]),
  );
  return state;
}

/** Consumes a state nonce once; typed error when malformed, unknown, already used or expired. */
export async function consumeOAuthState(pool: pg.Pool, input: { accountId: string; provider: string; state: unknown }): Promise<void> {
  if (typeof input.state !== 'string' || !STATE_PATTERN.test(input.state)) throw new OAuthError('malformed_state', 'OAuth state is malformed');
  const hash = sha256Hex(input.state);
  await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const won = await c.query(
      `UPDATE oauth_states SET consumed_at = now()
       WHERE state_hash = $1 AND provider = $2 AND consumed_at IS NULL AND expires_at > now() RETURNING id`,
      [hash, input.provider],
    );
    if (won.rowCount === 1) return;
    const why = await c.query<{ consumed: boolean; expired: boolean }>(
      `SELECT consumed_at IS NOT NULL AS consumed, expires_at <= now() AS expired FROM oauth_states WHERE state_hash = $1 AND provider = $2`,
      [hash, input.provider],
    );
    const row = why.rows[0];
    if (!row) throw new OAuthError('unknown_state', 'OAuth state is not known');
    if (row.consumed) throw new OAuthError('state_used', 'OAuth state was already used');
    throw new OAuthError('state_expired', 'OAuth state expired');
  });
}
