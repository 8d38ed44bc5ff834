/**
 * OAuth connections. Access and refresh tokens are sealed by the keyring before the
 * INSERT/UPDATE (never written in clear; the schema CHECKs the ciphertext shape).
 * Every refresh outcome is an audit event that names the connection, never a token.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { openColumn, sealColumn } from '../crypto/column-cipher.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { appendAuditEvent } from '../privacy/audit-log.ts';
import { OAuthError, TokenEndpointError } from './errors.ts';

const TABLE = 'oauth_connections';

/** Where a token lives and whose it is (encryption.yaml: owner_columns account_id, provider). */
function at(column: 'access_token' | 'refresh_token', id: string, accountId: string, provider: string) {
  return { table: TABLE, column, rowId: id, owner: { account_id: accountId, provider } };
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string | null;
  expiresInSeconds?: number;
}

/** The provider's token endpoint (refresh_token grant). Throws TokenEndpointError. */
export type TokenEndpoint = (input: { provider: string; refreshToken: string }) => Promise<TokenSet>;

function checkToken(t: unknown, what: string): string {
  if (typeof t !== 'string' || t.length < 8 || t.length > 8192 || /\s/.test(t)) throw new OAuthError('invalid_token', `${what} is malformed`);
  return t;
}

export async function createOAuthConnection(pool: pg.Pool, keyring: Keyring, input: { accountId: string; provider: string; tokens: TokenSet; actor: string }): Promise<string> {
  const id = randomUUID();
  const access = sealColumn(keyring, at('access_token', id, input.accountId, input.provider), checkToken(input.tokens.accessToken, 'access token'));
  const refresh = input.tokens.refreshToken == null ? null : sealColumn(keyring, at('refresh_token', id, input.accountId, input.provider), checkToken(input.tokens.refreshToken, 'refresh token'));
  await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    await c.query(
      `INSERT INTO oauth_connections (id, account_id, provider, access_token, refresh_token, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [id, input.accountId, input.provider, access, refresh, input.tokens.expiresInSeconds ?? 3600],
    );
    await appendAuditEvent(c, { accountId: input.accountId, actor: input.actor, action: 'oauth.connected', subjectType: 'oauth_connection', subjectId: id, details: { provider: input.provider } });
  });
  return id;
}

/** Decrypts a connection's tokens (for calling the provider); DecryptionError on tampering. */
export async function readOAuthTokens(pool: pg.Pool, keyring: Keyring, input: { accountId: string; connectionId: string }): Promise<{ accessToken: string; refreshToken: string | null }> {
  const row = await withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ provider: string; access_token: string; refresh_token: string | null }>(`SELECT provider, access_token, refresh_token FROM oauth_connections WHERE id = $1`, [
      input.connectionId,
    ]);
    return r.rows[0];
  });
  if (!row) throw new OAuthError('unknown_connection', `no OAuth connection ${input.connectionId} in this account`);
  return {
    accessToken: openColumn(keyring, at('access_token', input.connectionId, input.accountId, row.provider), row.access_token),
    refreshToken: row.refresh_token == null ? null : openColumn(keyring, at('refresh_token', input.connectionId, input.accountId, row.provider), row.refresh_token),
  };
}

export type RefreshOutcome = 'refreshed' | 'failed_terminal' | 'failed_retryable';

/**
 * Refreshes a connection's tokens through `endpoint`, holding the row lock meanwhile so
 * two refreshes never race. Logs `oauth.token_refreshed`, `oauth.refresh_failed`
 * (terminal: the connection is marked failed) or `oauth.refresh_retryable`.
 */
export async function refreshOAuthConnection(pool: pg.Pool, keyring: Keyring, input: { accountId: string; connectionId: string; endpoint: TokenEndpoint; actor: string }): Promise<RefreshOutcome> {
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ provider: string; refresh_token: string | null; status: string }>(`SELECT provider, refresh_token, status FROM oauth_connections WHERE id = $1 FOR UPDATE`, [
      input.connectionId,
    ]);
    const row = r.rows[0];
    if (!row) throw new OAuthError('unknown_connection', `no OAuth connection ${input.connectionId} in this account`);
    if (row.status !== 'active' || row.refresh_token == null) throw new OAuthError('connection_failed', `OAuth connection ${input.connectionId} is ${row.status} and cannot be refreshed`);
    const refreshToken = openColumn(keyring, at('refresh_token', input.connectionId, input.accountId, row.provider), row.refresh_token);
    const base = { accountId: input.accountId, actor: input.actor, subjectType: 'oauth_connection', subjectId: input.connectionId };
    let tokens: TokenSet;
    try {
      tokens = await input.endpoint({ provider: row.provider, refreshToken });
    } catch (e) {
      const terminal = e instanceof TokenEndpointError ? e.terminal : false;
      const errorCode = e instanceof TokenEndpointError ? e.errorCode : 'endpoint_unreachable';
      if (terminal) await c.query(`UPDATE oauth_connections SET status = 'failed' WHERE id = $1`, [input.connectionId]);
      await appendAuditEvent(c, { ...base, action: terminal ? 'oauth.refresh_failed' : 'oauth.refresh_retryable', details: { provider: row.provider, error: errorCode, terminal } });
      return terminal ? 'failed_terminal' : 'failed_retryable';
    }
    const access = sealColumn(keyring, at('access_token', input.connectionId, input.accountId, row.provider), checkToken(tokens.accessToken, 'access token'));
    // Providers that do not rotate refresh tokens return none: keep ours (re-sealed under the active key).
    const refresh = sealColumn(keyring, at('refresh_token', input.connectionId, input.accountId, row.provider), checkToken(tokens.refreshToken ?? refreshToken, 'refresh token'));
    await c.query(`UPDATE oauth_connections SET access_token = $2, refresh_token = $3, expires_at = now() + make_interval(secs => $4), refreshed_at = now() WHERE id = $1`, [
      input.connectionId,
      access,
      refresh,
      tokens.expiresInSeconds ?? 3600,
    ]);
    await appendAuditEvent(c, { ...base, action: 'oauth.token_refreshed', details: { provider: row.provider, key_version: keyring.activeVersion } });
    return 'refreshed';
  });
}
