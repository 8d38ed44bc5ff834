import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { createOAuthConnection, readOAuthTokens, refreshOAuthConnection, type TokenEndpoint } from '../../platform/oauth/connections.ts';
import { consumeOAuthState, createOAuthState } from '../../platform/oauth/states.ts';
import { TokenEndpointError } from '../../platform/oauth/errors.ts';
import { DecryptionError } from '../../platform/crypto/keyring.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let acct: string;
const keyring = testKeyring();
beforeAll(async () => {
  db = await createTestDatabase();
  acct = await makeAccount(db);
});
afterAll(async () => {
  await db.drop();
});

describe('OAuth connections', () => {
  it('stores only ciphertexts; swapping between rows or columns fails to decrypt', async () => {
    const pool = db.pool('app');
    const a = await createOAuthConnection(pool, keyring, { accountId: acct, provider: 'github', tokens: { accessToken: 'access-AAAA-1111', refreshToken: 'refresh-AAAA-1111' }, actor: 'test' });
    const b = await createOAuthConnection(pool, keyring, { accountId: acct, provider: 'github', tokens: { accessToken: 'access-BBBB-2222', refreshToken: 'refresh-BBBB-2222' }, actor: 'test' });
    const rows = await adminQuery(db, `SELECT id, access_token, refresh_token FROM oauth_connections ORDER BY id`);
    for (const r of rows) {
      expect(r.access_token).toMatch(/^tev2:1:/);
      expect(r.refresh_token).not.toContain('refresh-');
    }
    expect(await readOAuthTokens(pool, keyring, { accountId: acct, connectionId: a })).toEqual({ accessToken: 'access-AAAA-1111', refreshToken: 'refresh-AAAA-1111' });
    // swap refresh tokens between rows (as the owner: an attacker with write access)
    await adminQuery(db, `UPDATE oauth_connections x SET refresh_token = y.refresh_token FROM oauth_connections y WHERE x.id = $1 AND y.id = $2`, [a, b]);
    await expect(readOAuthTokens(pool, keyring, { accountId: acct, connectionId: a })).rejects.toThrow(DecryptionError);
    // swap access <-> refresh within one row
    await adminQuery(db, `UPDATE oauth_connections SET access_token = refresh_token, refresh_token = access_token WHERE id = $1`, [b]);
    await expect(readOAuthTokens(pool, keyring, { accountId: acct, connectionId: b })).rejects.toThrow(/altered or belongs to another row, column or owner/);
  });

  it('a connection re-pointed at another account or provider fails to decrypt (the owner is bound)', async () => {
    const pool = db.pool('app');
    const other = await makeAccount(db, 'other');
    const id = await createOAuthConnection(pool, keyring, {
      accountId: acct,
      provider: 'github',
      tokens: { accessToken: 'access-owned-by-acct', refreshToken: 'refresh-owned-by-acct' },
      actor: 'test',
    });
    await adminQuery(db, `UPDATE oauth_connections SET account_id = $2 WHERE id = $1`, [id, other]);
    const err = await readOAuthTokens(pool, keyring, { accountId: other, connectionId: id }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DecryptionError);
    expect(String((err as Error).message)).not.toMatch(/owned-by-acct/);
    await adminQuery(db, `UPDATE oauth_connections SET account_id = $2, provider = 'gitlab' WHERE id = $1`, [id, acct]);
    await expect(readOAuthTokens(pool, keyring, { accountId: acct, connectionId: id })).rejects.toThrow(DecryptionError);
    await adminQuery(db, `UPDATE oauth_connections SET provider = 'github' WHERE id = $1`, [id]);
    expect(await readOAuthTokens(pool, keyring, { accountId: acct, connectionId: id })).toEqual({ accessToken: 'access-owned-by-acct', refreshToken: 'refresh-owned-by-acct' });
  });

  it('the database refuses a plaintext token', async () => {
    await expect(adminQuery(db, `INSERT INTO oauth_connections (account_id, provider, access_token) VALUES ($1, 'github', 'gho_plaintexttoken')`, [acct])).rejects.toThrow(
      /oauth_access_token_ciphertext/,
    );
  });

  it('refresh outcomes are audit events without tokens; a terminal error fails the connection', async () => {
    const pool = db.pool('app');
    const id = await createOAuthConnection(pool, keyring, { accountId: acct, provider: 'google', tokens: { accessToken: 'access-old-token', refreshToken: 'refresh-old-token' }, actor: 'test' });
    let n = 0;
    const endpoint: TokenEndpoint = async ({ refreshToken }) => {
      expect(refreshToken).toMatch(/^refresh-/);
      n++;
      if (n === 2) throw new TokenEndpointError('invalid_grant', true);
      return { accessToken: `access-new-${n}-token`, refreshToken: `refresh-new-${n}-token`, expiresInSeconds: 3600 };
    };
    expect(await refreshOAuthConnection(pool, keyring, { accountId: acct, connectionId: id, endpoint, actor: 'system:oauth' })).toBe('refreshed');
    expect((await readOAuthTokens(pool, keyring, { accountId: acct, connectionId: id })).refreshToken).toBe('refresh-new-1-token');
    expect(await refreshOAuthConnection(pool, keyring, { accountId: acct, connectionId: id, endpoint, actor: 'system:oauth' })).toBe('failed_terminal');
    await expect(refreshOAuthConnection(pool, keyring, { accountId: acct, connectionId: id, endpoint, actor: 'system:oauth' })).rejects.toThrow(expect.objectContaining({ code: 'connection_failed' }));
    const events = await adminQuery(db, `SELECT action, details::text AS d FROM audit_events WHERE subject_id = $1 ORDER BY seq`, [id]);
    expect(events.map((e) => e.action)).toEqual(['oauth.connected', 'oauth.token_refreshed', 'oauth.refresh_failed']);
    for (const e of events) expect(e.d).not.toMatch(/refresh-|access-|tev\d/);
  });

  it('the database refuses an audit event carrying a secret', async () => {
    await expect(
      adminQuery(
        db,
        `INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details) VALUES (NULL, 'x', 'oauth.token_refreshed', 'oauth_connection', 'x', '{"refresh_token": "abc"}')`,
      ),
    ).rejects.toThrow(/would record a secret/);
  });
});

describe('OAuth state nonces', () => {
  it('are single-use, expire, and refuse malformed or unknown values', async () => {
    const pool = db.pool('app');
    const s = await createOAuthState(pool, { accountId: acct, provider: 'github' });
    await consumeOAuthState(pool, { accountId: acct, provider: 'github', state: s });
    await expect(consumeOAuthState(pool, { accountId: acct, provider: 'github', state: s })).rejects.toThrow(expect.objectContaining({ code: 'state_used' }));
    const e = await createOAuthState(pool, { accountId: acct, provider: 'github' });
    // age the nonce past its expiry (as the owner; created_at moves with it to respect the CHECK)
    await adminQuery(db, `UPDATE oauth_states SET created_at = now() - interval '20 minutes', expires_at = now() - interval '10 minutes' WHERE consumed_at IS NULL`);
    await expect(consumeOAuthState(pool, { accountId: acct, provider: 'github', state: e })).rejects.toThrow(expect.objectContaining({ code: 'state_expired' }));
    await expect(consumeOAuthState(pool, { accountId: acct, provider: 'github', state: 'x'.repeat(43) })).rejects.toThrow(expect.objectContaining({ code: 'unknown_state' }));
    await expect(consumeOAuthState(pool, { accountId: acct, provider: 'github', state: 'short' })).rejects.toThrow(expect.objectContaining({ code: 'malformed_state' }));
    const other = await makeAccount(db, 'other');
    const s2 = await createOAuthState(pool, { accountId: acct, provider: 'github' });
    await expect(consumeOAuthState(pool, { accountId: other, provider: 'github', state: s2 })).rejects.toThrow(expect.objectContaining({ code: 'unknown_state' }));
  });

  it('the runtime role cannot make a state reusable or long-lived by writing its row', async () => {
    const pool = db.pool('app');
    const s = await createOAuthState(pool, { accountId: acct, provider: 'github' });
    await consumeOAuthState(pool, { accountId: acct, provider: 'github', state: s });
    const app = async (sql: string) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [acct]);
        await c.query(sql);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      } finally {
        c.release();
      }
    };
    const consumed = `(SELECT id FROM oauth_states WHERE consumed_at IS NOT NULL ORDER BY id LIMIT 1)`;
    await expect(app(`UPDATE oauth_states SET consumed_at = NULL WHERE id = ${consumed}`)).rejects.toThrow(/stays consumed/);
    await expect(app(`UPDATE oauth_states SET created_at = now() + interval '1 year', expires_at = now() + interval '1 year 5 minutes' WHERE id = ${consumed}`)).rejects.toThrow(/never change/);
    await expect(app(`DELETE FROM oauth_states WHERE id = ${consumed}`)).rejects.toThrow(/deleted only once it has expired/);
    await expect(
      app(`INSERT INTO oauth_states (account_id, provider, state_hash, expires_at, consumed_at) VALUES ('${acct}', 'github', repeat('d', 64), now() + interval '5 minutes', now())`),
    ).rejects.toThrow(/cannot be stored as consumed/);
    // A creation time chosen by the caller is replaced by the database's: the state cannot outlive 15 minutes from now.
    await expect(
      app(
        `INSERT INTO oauth_states (account_id, provider, state_hash, created_at, expires_at) VALUES ('${acct}', 'github', repeat('e', 64), now() + interval '1 year', now() + interval '1 year 5 minutes')`,
      ),
    ).rejects.toThrow(/oauth_states_expire_within_15m/);
    // Consumption itself still works, once.
    const s2 = await createOAuthState(pool, { accountId: acct, provider: 'github' });
    await consumeOAuthState(pool, { accountId: acct, provider: 'github', state: s2 });
  });

  it('two concurrent consumers of one nonce: exactly one wins (50 rounds)', async () => {
    const pool = db.pool('app');
    for (let i = 0; i < 50; i++) {
      const s = await createOAuthState(pool, { accountId: acct, provider: 'github' });
      const results = await Promise.allSettled([1, 2].map(() => consumeOAuthState(pool, { accountId: acct, provider: 'github', state: s })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason.code).toBe('state_used');
    }
  });
});
