/**
 * Users and passwords. Passwords are hashed with bcrypt (bcryptjs) at cost 12; the
 * database CHECK users_password_bcrypt_cost_12 refuses anything else.
 */
import bcrypt from 'bcryptjs';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { AuthError } from './errors.ts';
import { sha256Hex } from './secret-hash.ts';
import { appendAuditEvent } from '../privacy/audit-log.ts';

export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 12;

export interface User {
  id: string;
  accountId: string;
  email: string;
}

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function createUser(pool: pg.Pool, input: { accountId: string; email: string; password: string }): Promise<User> {
  if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH) {
    throw new AuthError('weak_password', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const email = normaliseEmail(input.email);
  const passwordHash = await bcrypt.hash(input.password, BCRYPT_COST);
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ id: string }>(`INSERT INTO users (account_id, email, email_hash, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`, [
      input.accountId,
      email,
      sha256Hex(email),
      passwordHash,
    ]);
    const id = r.rows[0].id;
    await appendAuditEvent(c, { accountId: input.accountId, actor: `user:${id}`, action: 'user.created', subjectType: 'user', subjectId: id });
    return { id, accountId: input.accountId, email };
  });
}

/** Checks email + password; the same error for an unknown email and a wrong password. */
export async function verifyPassword(pool: pg.Pool, input: { email: string; password: string }): Promise<User> {
  const email = normaliseEmail(input.email);
  const row = await withTransaction(pool, {}, async (c) => {
    await c.query(`SELECT set_config('trust.lookup_hash', $1, true)`, [sha256Hex(email)]);
    const r = await c.query<{ id: string; account_id: string; password_hash: string }>(`SELECT id, account_id, password_hash FROM users WHERE email_hash = $1`, [sha256Hex(email)]);
    return r.rows[0];
  });
  // Compare against a dummy hash when the user is unknown, so timing does not tell.
  const ok = await bcrypt.compare(String(input.password ?? ''), row?.password_hash ?? DUMMY_HASH);
  if (!row || !ok) throw new AuthError('invalid_credentials', 'unknown email or wrong password');
  return { id: row.id, accountId: row.account_id, email };
}

const DUMMY_HASH = '$2b$12$/4wq/ae3pE16j0MpJxTwOuOYl159CZRnPNyODC5.Hm8meXKebT6nO';
