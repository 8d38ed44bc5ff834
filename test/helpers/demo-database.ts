/**
 * A test database filled by the demo, as most end-to-end tests start: the demo encrypts
 * secrets with the keyring in TRUST_KEYRING, and the collectors later open them with it.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { runDemo } from '../../platform/demo/run.ts';

/** A TRUST_KEYRING value (the environment variable form production uses): one fresh random key, created at `created`. */
export function randomKeyringJson(created = new Date()): string {
  return JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': created.toISOString() } });
}

/**
 * A fresh test database the demo filled at scale 1 from `seed`, under a new keyring set in
 * TRUST_KEYRING. `asTemplate`: its pool closed afterwards, so that createTestDatabase(db.name)
 * can copy it (a template database must have no connection).
 */
export async function demoDatabase(seed: number, opts: { asTemplate?: boolean } = {}): Promise<TestDatabase> {
  process.env.TRUST_KEYRING = randomKeyringJson();
  const db = await createTestDatabase();
  await runDemo(db, { scale: 1, seed, log: () => {} });
  if (opts.asTemplate) await db.close();
  return db;
}
