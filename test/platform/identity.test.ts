import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount } from '../helpers/core-ii-fixtures.ts';
import { createUser, verifyPassword } from '../../platform/identity/users.ts';
import { authenticateApiKey, createApiKey, revokeApiKey } from '../../platform/identity/api-keys.ts';
import { authorize, OPERATION_TIERS, requireTier } from '../../platform/identity/authorization.ts';
import { createSession, resolveSession } from '../../platform/identity/sessions.ts';
import { sessionCookie, SESSION_COOKIE_NAME } from '../../platform/identity/session-cookie.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let acct: string;
beforeAll(async () => {
  db = await createTestDatabase();
  acct = await makeAccount(db);
});
afterAll(async () => {
  await db.drop();
});

/** Counts that any write by an authorization attempt would change. */
async function snapshot(): Promise<string> {
  const counts = await adminQuery(
    db,
    `SELECT (SELECT count(*) FROM audit_events) a, (SELECT count(*) FROM api_keys) k, (SELECT count(*) FROM users) u, (SELECT count(*) FROM sessions) s, (SELECT count(*) FROM api_keys WHERE last_used_at IS NOT NULL OR revoked_at IS NOT NULL) m`,
  );
  return JSON.stringify(counts);
}

describe('passwords', () => {
  it('are bcrypt cost 12, and the database refuses a plaintext or weaker hash', async () => {
    const u = await createUser(db.pool('app'), { accountId: acct, email: 'Owner@Example.com', password: 'a long enough passphrase' });
    const [row] = await adminQuery(db, `SELECT password_hash FROM users WHERE id = $1`, [u.id]);
    expect(row.password_hash).toMatch(/^\$2[aby]\$12\$/);
    expect((await verifyPassword(db.pool('app'), { email: 'owner@example.com', password: 'a long enough passphrase' })).id).toBe(u.id);
    await expect(verifyPassword(db.pool('app'), { email: 'owner@example.com', password: 'wrong passphrase!!' })).rejects.toThrow(expect.objectContaining({ code: 'invalid_credentials' }));
    await expect(verifyPassword(db.pool('app'), { email: 'nobody@example.com', password: 'whatever passphrase' })).rejects.toThrow(expect.objectContaining({ code: 'invalid_credentials' }));
    for (const bad of ['plaintext-password', '$2b$10$' + 'a'.repeat(53), '$2b$04$' + 'a'.repeat(53)]) {
      await expect(adminQuery(db, `INSERT INTO users (account_id, email, email_hash, password_hash) VALUES ($1, 'x@example.com', repeat('0', 64), $2)`, [acct, bad])).rejects.toThrow(
        /users_password_bcrypt_cost_12/,
      );
    }
    await expect(createUser(db.pool('app'), { accountId: acct, email: 'short@example.com', password: 'short' })).rejects.toThrow(expect.objectContaining({ code: 'weak_password' }));
  });
});

describe('API keys and authorization', () => {
  it('are shown once, stored as SHA-256 with a display prefix, and tiered', async () => {
    const pool = db.pool('app');
    const read = await createApiKey(pool, { accountId: acct, name: 'ro', tier: 'read', actor: 'test' });
    const admin = await createApiKey(pool, { accountId: acct, name: 'root', tier: 'admin', actor: 'test' });
    expect(read.key).toMatch(/^hck_read_[0-9a-f]{64}$/);
    const stored = await adminQuery(db, `SELECT * FROM api_keys`);
    expect(JSON.stringify(stored)).not.toContain(read.key.slice(9));
    expect(stored.map((r) => r.display_prefix).sort()).toEqual([admin.displayPrefix, read.displayPrefix].sort());
    expect((await authorize(pool, read.key, 'agents.list')).accountId).toBe(acct);
    expect((await authorize(pool, admin.key, 'account.delete')).tier).toBe('admin');
    await expect(authorize(pool, read.key, 'agents.provision')).rejects.toThrow(expect.objectContaining({ code: 'insufficient_tier' }));
  });

  it('every bad input is a typed error and writes nothing', async () => {
    const pool = db.pool('app');
    const manage = await createApiKey(pool, { accountId: acct, name: 'ops', tier: 'manage', actor: 'test' });
    const revoked = await createApiKey(pool, { accountId: acct, name: 'old', tier: 'admin', actor: 'test' });
    await revokeApiKey(pool, { accountId: acct, keyId: revoked.id, actor: 'test' });
    const before = await snapshot();
    const cases: [unknown, string, string][] = [
      [manage.key, 'api_keys.create', 'insufficient_tier'],
      ['hck_admin_' + '0'.repeat(64), 'agents.list', 'unknown_api_key'],
      [revoked.key, 'agents.list', 'revoked_api_key'],
      ['hck_admin_not-hex', 'agents.list', 'malformed_api_key'],
      ['', 'agents.list', 'malformed_api_key'],
      [undefined, 'agents.list', 'malformed_api_key'],
      [manage.key, 'agents.fly', 'unknown_operation'],
    ];
    for (const [key, op, code] of cases) {
      await expect(authorize(pool, key, op as never), `${op} ${code}`).rejects.toThrow(expect.objectContaining({ name: 'AuthError', code }));
    }
    expect(await snapshot()).toBe(before);
    expect(() => requireTier({ tier: 'read' }, 'agents.destroy')).toThrow(/needs tier manage/);
    await expect(authenticateApiKey(pool, revoked.key)).rejects.toThrow(/was revoked/);
  });

  it('every operation in the table names a known tier (deny by default for the rest)', () => {
    for (const [op, tier] of Object.entries(OPERATION_TIERS)) expect(['read', 'manage', 'admin'], op).toContain(tier);
  });
});

describe('sessions', () => {
  it('the cookie is Secure, HttpOnly, SameSite=Strict and expiring; only its hash is stored', async () => {
    const pool = db.pool('app');
    const [u] = await adminQuery(db, `SELECT id FROM users LIMIT 1`);
    const s = await createSession(pool, { accountId: acct, userId: u.id });
    expect(s.setCookie).toMatch(/; Secure; HttpOnly; SameSite=Strict$/);
    expect(s.setCookie).toMatch(/Max-Age=28800/);
    const token = s.setCookie.split(';')[0].split('=')[1];
    expect(JSON.stringify(await adminQuery(db, `SELECT * FROM sessions`))).not.toContain(token);
    const cookieHeader = `other=1; ${SESSION_COOKIE_NAME}=${token}`;
    expect((await resolveSession(pool, cookieHeader)).userId).toBe(u.id);
    await adminQuery(db, `UPDATE sessions SET created_at = now() - interval '13 hours', expires_at = now() - interval '5 hours'`);
    await expect(resolveSession(pool, cookieHeader)).rejects.toThrow(expect.objectContaining({ code: 'expired_session' }));
    await expect(resolveSession(pool, `${SESSION_COOKIE_NAME}=garbage`)).rejects.toThrow(expect.objectContaining({ code: 'malformed_session' }));
    await expect(resolveSession(pool, `${SESSION_COOKIE_NAME}=${'A'.repeat(43)}`)).rejects.toThrow(expect.objectContaining({ code: 'unknown_session' }));
    // the database refuses a session that would live longer than 12 hours
    await expect(adminQuery(db, `INSERT INTO sessions (account_id, user_id, token_hash, expires_at) VALUES ($1, $2, repeat('a', 64), now() + interval '30 days')`, [acct, u.id])).rejects.toThrow(
      /sessions_expire_within_12h/,
    );
    expect(sessionCookie('t', 60)).toContain('HttpOnly');
  });
});
