/**
 * Rotation under load: 100,000 tokens (50,000 connections x access + refresh) are
 * re-encrypted under a new key while 4 clients keep reading and refreshing; nothing
 * is lost and nothing stays under the old key. Also: an interrupted run resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount } from '../helpers/core-ii-fixtures.ts';
import { Keyring } from '../../platform/crypto/keyring.ts';
import { rotateKeys } from '../../platform/crypto/rotate.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { readOAuthTokens, refreshOAuthConnection } from '../../platform/oauth/connections.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const keys = { '1': randomBytes(32).toString('base64'), '2': randomBytes(32).toString('base64'), '3': randomBytes(32).toString('base64') };
const k1 = new Keyring({ active: 1, keys: { '1': keys['1'] } }, 'env', 'test');
const k2 = new Keyring({ active: 2, keys: { '1': keys['1'], '2': keys['2'] } }, 'env', 'test');
const k3 = new Keyring({ active: 3, keys }, 'env', 'test');
const CONNECTIONS = 50_000;
let accounts: string[];
const expected = new Map<string, { account: string; access: string; refresh: string }>();

async function seed(n: number, keyring: Keyring) {
  const pool = db.pool('app');
  const ids = [...expected.keys()];
  for (let i = 0; i < n; i += 5000) {
    const chunk = Array.from({ length: Math.min(5000, n - i) }, (_, j) => {
      const id = randomUUID();
      const account = accounts[(i + j) % accounts.length];
      const access = `access-${randomBytes(12).toString('hex')}`;
      const refresh = `refresh-${randomBytes(12).toString('hex')}`;
      expected.set(id, { account, access, refresh });
      return {
        id,
        account,
        a: keyring.encrypt(access, { table: 'oauth_connections', column: 'access_token', rowId: id, owner: { account_id: account, provider: 'github' } }),
        r: keyring.encrypt(refresh, { table: 'oauth_connections', column: 'refresh_token', rowId: id, owner: { account_id: account, provider: 'github' } }),
      };
    });
    await withTransaction(pool, { accounts }, (c) =>
      c.query(
        `INSERT INTO oauth_connections (id, account_id, provider, access_token, refresh_token, expires_at)
         SELECT * , now() + interval '1 hour' FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[])`,
        [chunk.map((x) => x.id), chunk.map((x) => x.account), chunk.map(() => 'github'), chunk.map((x) => x.a), chunk.map((x) => x.r)],
      ),
    );
  }
  return ids;
}

beforeAll(async () => {
  db = await createTestDatabase();
  accounts = [await makeAccount(db, 'r1'), await makeAccount(db, 'r2'), await makeAccount(db, 'r3'), await makeAccount(db, 'r4')];
  await seed(CONNECTIONS, k1);
}, 300_000);
afterAll(async () => {
  await db.drop();
});

async function staleCount(version: number): Promise<number> {
  const [{ n }] = await adminQuery<{ n: string }>(
    db,
    `SELECT (SELECT count(*) FROM oauth_connections WHERE NOT starts_with(access_token, $1))
          + (SELECT count(*) FROM oauth_connections WHERE NOT starts_with(refresh_token, $1)) AS n`,
    [`tev2:${version}:`],
  );
  return Number(n);
}

describe('key rotation', () => {
  it('re-encrypts 100,000 tokens while 4 clients read and write, losing none', async () => {
    const pool = db.pool('app');
    const ids = [...expected.keys()];
    let done = false;
    let reads = 0;
    let writes = 0;
    const client = async (slot: number) => {
      // Each client owns the ids at its slot, so its expectations never race another's.
      const mine = ids.filter((_, j) => j % 4 === slot);
      let i = 0;
      while (!done) {
        i++;
        const id = mine[(i * 7919) % mine.length];
        const exp = expected.get(id)!;
        if (i % 3 === 0) {
          const n = writes;
          const outcome = await refreshOAuthConnection(pool, k2, {
            accountId: exp.account,
            connectionId: id,
            actor: 'test',
            endpoint: async ({ refreshToken }) => {
              expect(refreshToken).toBe(exp.refresh);
              return { accessToken: `access-w${slot}-${n}-token`, refreshToken: `refresh-w${slot}-${n}-token` };
            },
          });
          expect(outcome).toBe('refreshed');
          expected.set(id, { account: exp.account, access: `access-w${slot}-${n}-token`, refresh: `refresh-w${slot}-${n}-token` });
          writes++;
        } else {
          const got = await readOAuthTokens(pool, k2, { accountId: exp.account, connectionId: id });
          expect(got).toEqual({ accessToken: exp.access, refreshToken: exp.refresh });
          reads++;
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    const result = await rotateKeys(pool, k2, { batchSize: 1000 }).finally(() => {
      done = true;
    });
    await Promise.all(clients);
    console.log(`rotation: ${result.rotated} ciphertexts in ${result.seconds.toFixed(2)} s = ${Math.round(result.rowsPerSecond)} /s with 4 clients (${reads} reads, ${writes} writes)`);
    expect(reads + writes).toBeGreaterThan(100);
    expect(writes).toBeGreaterThan(10);
    expect(await staleCount(2)).toBe(0);
    // Every token decrypts under the new keyring to the value the clients last wrote.
    const rows = await adminQuery<{ id: string; account_id: string; access_token: string; refresh_token: string }>(db, `SELECT id, account_id, access_token, refresh_token FROM oauth_connections`);
    expect(rows).toHaveLength(CONNECTIONS);
    const k2only = new Keyring({ active: 2, keys: { '2': keys['2'] } }, 'env', 'test'); // key 1 could now be retired
    let mismatches = 0;
    for (const r of rows) {
      const exp = expected.get(r.id)!;
      const owner = { account_id: r.account_id, provider: 'github' };
      const a = k2only.decrypt(r.access_token, { table: 'oauth_connections', column: 'access_token', rowId: r.id, owner });
      const f = k2only.decrypt(r.refresh_token, { table: 'oauth_connections', column: 'refresh_token', rowId: r.id, owner });
      if (a !== exp.access || f !== exp.refresh) mismatches++;
    }
    expect(mismatches).toBe(0);
    const [run] = await adminQuery(db, `SELECT status, rows_affected FROM job_runs WHERE job = 'keys.rotate' ORDER BY id DESC LIMIT 1`);
    expect(run.status).toBe('succeeded');
  }, 600_000);

  it('an interrupted rotation, run again, finishes', async () => {
    const pool = db.pool('app');
    let batches = 0;
    await expect(
      rotateKeys(pool, k3, {
        batchSize: 500,
        onProgress: () => {
          if (++batches === 5) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    const stale = await staleCount(3);
    expect(stale).toBeGreaterThan(0);
    expect(stale).toBeLessThan(2 * CONNECTIONS);
    const again = await rotateKeys(pool, k3, { batchSize: 2000 });
    expect(again.rotated).toBe(stale);
    console.log(`rotation without clients: ${again.rotated} ciphertexts in ${again.seconds.toFixed(2)} s = ${Math.round(again.rowsPerSecond)} /s`);
    expect(await staleCount(3)).toBe(0);
    const runs = await adminQuery(db, `SELECT status FROM job_runs WHERE job = 'keys.rotate' ORDER BY id`);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
  }, 600_000);

  it('re-binds tev1 values (row only) to their owner even under the active key, so none remains; a moved tev2 value stops the run, named', async () => {
    const pool = db.pool('app');
    const id = randomUUID();
    const account = accounts[0];
    const legacy = (column: string, plaintext: string) => {
      // What the previous release wrote: tev1, associated data table/column/row id only.
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(keys['3'], 'base64'), nonce, { authTagLength: 16 });
      cipher.setAAD(Buffer.from(`oauth_connections/${column}/${id}`, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `tev1:3:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
    };
    await withTransaction(pool, { accounts: [account] }, (c) =>
      c.query(`INSERT INTO oauth_connections (id, account_id, provider, access_token, refresh_token) VALUES ($1, $2, 'github', $3, $4)`, [
        id,
        account,
        legacy('access_token', 'legacy-access-token'),
        legacy('refresh_token', 'legacy-refresh-token'),
      ]),
    );
    // Readable before the rotation (the migration path), whoever the row names.
    expect(await readOAuthTokens(pool, k3, { accountId: account, connectionId: id })).toEqual({ accessToken: 'legacy-access-token', refreshToken: 'legacy-refresh-token' });
    expect(await staleCount(3)).toBe(2);
    const r = await rotateKeys(pool, k3, { batchSize: 500 });
    expect(r).toMatchObject({ rotated: 2, rebound: 2 });
    expect(await staleCount(3)).toBe(0);
    const [row] = await adminQuery(db, `SELECT access_token, refresh_token FROM oauth_connections WHERE id = $1`, [id]);
    expect(row.access_token).toMatch(/^tev2:3:/);
    expect(await readOAuthTokens(pool, k3, { accountId: account, connectionId: id })).toEqual({ accessToken: 'legacy-access-token', refreshToken: 'legacy-refresh-token' });
    const [run] = await adminQuery(db, `SELECT details FROM job_runs WHERE job = 'keys.rotate' ORDER BY id DESC LIMIT 1`);
    expect(JSON.stringify(run.details)).toContain('"rebound_to_owner":2');
    // Now bound: the row moved to another account no longer opens, and the next rotation names it instead of re-binding it.
    await adminQuery(db, `UPDATE oauth_connections SET account_id = $2 WHERE id = $1`, [id, accounts[1]]);
    await expect(readOAuthTokens(pool, k3, { accountId: accounts[1], connectionId: id })).rejects.toThrow(/another row, column or owner/);
    const k4 = new Keyring({ active: 4, keys: { ...keys, '4': randomBytes(32).toString('base64') } }, 'env', 'test');
    await expect(rotateKeys(pool, k4, { batchSize: 100_000 })).rejects.toThrow(
      new RegExp(`oauth_connections\\.access_token row ${id}: the ciphertext was altered or belongs to another row, column or owner`),
    );
  }, 600_000);
});
