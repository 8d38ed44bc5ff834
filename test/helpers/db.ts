/**
 * A fresh, migrated database for one test file, cloned from the template that
 * global-setup migrated. Use it with the real roles: `db.pool('app')` runs as the
 * runtime role, `db.pool('reader')` as the collectors' role, `db.adminUrl` is superuser.
 */
import { inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../platform/db/index.ts';

export type TestDatabase = Database & { name: string; drop(): Promise<void> };

/** `template`: another test database to copy (a demo-filled one, say) instead of the migrated template. */
export async function createTestDatabase(template?: string): Promise<TestDatabase> {
  const serverUrl = inject('serverUrl');
  const TEMPLATE_DB = template ?? inject('templateDb');
  const name = `${inject('dbPrefix')}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // CREATE DATABASE ... TEMPLATE needs the template to have no other connection; retry briefly.
  for (let i = 0; ; i++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = '/' + name;
  const db = await openDatabase({ adminUrl: u.toString() });
  return Object.assign(db, {
    name,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  });
}

/** Runs `fn` on a connection of its own to `url` (a test database's adminUrl: as superuser), ended whatever `fn` does. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
