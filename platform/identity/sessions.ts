/** Cookie sessions: a random token in the cookie, its SHA-256 in the database, a fixed lifetime. */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { AuthError } from './errors.ts';
import { sha256Hex } from './secret-hash.ts';
import { sessionCookie, sessionTokenFromCookieHeader } from './session-cookie.ts';

export const SESSION_LIFETIME_SECONDS = 8 * 3600;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionPrincipal {
  kind: 'session';
  accountId: string;
  userId: string;
  sessionId: string;
}

export async function createSession(pool: pg.Pool, input: { accountId: string; userId: string }): Promise<{ sessionId: string; setCookie: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ id: string; expires_at: Date }>(
      `INSERT INTO sessions (account_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id, expires_at`,
      [input.accountId, input.userId, sha256Hex(token), SESSION_LIFETIME_SECONDS],
    );
    return { sessionId: r.rows[0].id, setCookie: sessionCookie(token, SESSION_LIFETIME_SECONDS), expiresAt: r.rows[0].expires_at };
  });
}

/** Resolves a Cookie header to its session; typed errors for malformed, unknown, revoked or expired. */
export async function resolveSession(pool: pg.Pool, cookieHeader: string | undefined): Promise<SessionPrincipal> {
  const token = sessionTokenFromCookieHeader(cookieHeader);
  if (!token || !TOKEN_PATTERN.test(token)) throw new AuthError('malformed_session', 'no well-formed session cookie');
  const hash = sha256Hex(token);
  const row = await withTransaction(pool, {}, async (c) => {
    await c.query(`SELECT set_config('trust.lookup_hash', $1, true)`, [hash]);
    const r = await c.query<{ id: string; account_id: string; user_id: string; live: boolean }>(
      `SELECT id, account_id, user_id, (revoked_at IS NULL AND expires_at > now()) AS live FROM sessions WHERE token_hash = $1`,
      [hash],
    );
    return r.rows[0];
  });
  if (!row) throw new AuthError('unknown_session', 'session is not known');
  if (!row.live) throw new AuthError('expired_session', 'session expired or was revoked');
  return { kind: 'session', accountId: row.account_id, userId: row.user_id, sessionId: row.id };
}

export async function revokeSession(pool: pg.Pool, input: { accountId: string; sessionId: string }): Promise<void> {
  await withTransaction(pool, { accounts: [input.accountId] }, (c) => c.query(`UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [input.sessionId]));
}
