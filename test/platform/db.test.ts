import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../helpers/db.ts';
import { migrate } from '../../platform/db/migrate.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('database roles', () => {
  it('the runtime and reader roles are neither superuser nor BYPASSRLS', async () => {
    const r = await db.pool('app').query(`SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname IN ('trust_owner','trust_app','trust_reader') ORDER BY 1`);
    expect(r.rows).toEqual([
      { rolname: 'trust_app', rolsuper: false, rolbypassrls: false },
      { rolname: 'trust_owner', rolsuper: false, rolbypassrls: false },
      { rolname: 'trust_reader', rolsuper: false, rolbypassrls: false },
    ]);
  });

  it('each pool logs in as its own role', async () => {
    for (const role of ['owner', 'app', 'reader'] as const) {
      const r = await db.pool(role).query('SELECT current_user AS u');
      expect(r.rows[0].u).toBe(`trust_${role}`);
    }
  });

  it('migrating twice applies nothing the second time', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('the reader cannot write', async () => {
    const c = new pg.Client({ connectionString: db.url('reader') });
    await c.connect();
    await expect(c.query(`INSERT INTO accounts(name) VALUES ('x')`)).rejects.toThrow(/permission denied/);
    await c.end();
  });
});

describe('role passwords', () => {
  it("opening a second database on the same cluster keeps the first one's role logins working", async () => {
    const second = await createTestDatabase(); // bootstraps the (cluster-wide) roles again
    try {
      for (const role of ['owner', 'app', 'reader'] as const) {
        const c = new pg.Client({ connectionString: db.url(role) }); // a new login, not a pooled one
        await c.connect();
        expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe(`trust_${role}`);
        await c.end();
      }
    } finally {
      await second.drop();
    }
  });

  it('do not depend on the port: the embedded server listens on a new one at each start, and the read-only gate never re-keys a role', async () => {
    const { rolePassword } = await import('../../platform/db/roles.ts');
    const at = (port: number) => `postgres://postgres:s3cret@127.0.0.1:${port}/trust`;
    expect(rolePassword(at(40001), 'reader')).toBe(rolePassword(at(40002), 'reader'));
    expect(rolePassword(at(40001), 'reader')).not.toBe(rolePassword('postgres://postgres:other@127.0.0.1:40001/trust', 'reader'));
    expect(rolePassword(at(40001), 'reader')).not.toBe(rolePassword(at(40001), 'app'));
  });
});
