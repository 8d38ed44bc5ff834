import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import type { Catalog } from '../../controls/types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db.drop(); });

const collect = async () => (await runCollectors(db, { root: process.cwd(), now: new Date(), catalog: {} as Catalog, auditVerification: 'incremental', only: ['encryption'] }))
  .parts.encryption.facts as EncryptionFacts;

describe('encryption collector', () => {
  it('describes empty tables as empty (no rows, no lengths, no versions)', async () => {
    const facts = await collect();
    expect(facts.columns.length).toBeGreaterThan(0);
    for (const c of facts.columns) {
      expect(c, `${c.table}.${c.column}`).toMatchObject({ rows: 0, values: 0, malformed: 0, lengths: { min: null, max: null, avg: null }, versions: [] });
    }
  });

  it('counts malformed values, lengths and key versions in one pass per column', async () => {
    const good = `tev1:3:${'A'.repeat(40)}`;
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      // The schema refuses plaintext; a throwaway copy without that CHECK shows what the collector sees if it ever got in.
      await admin.query('ALTER TABLE oauth_connections DROP CONSTRAINT oauth_access_token_ciphertext');
      const [{ id: account }] = (await admin.query(`INSERT INTO accounts (name) VALUES ('enc') RETURNING id`)).rows;
      await admin.query(`
        INSERT INTO oauth_connections (account_id, provider, access_token, refresh_token)
        VALUES ($1, 'github', $2, NULL), ($1, 'gitlab', 'plaintext-token', $2)`, [account, good]);
    } finally {
      await admin.end();
    }
    const facts = await collect();
    const access = facts.columns.find((c) => c.table === 'public.oauth_connections' && c.column === 'access_token')!;
    const refresh = facts.columns.find((c) => c.table === 'public.oauth_connections' && c.column === 'refresh_token')!;
    expect(access).toMatchObject({ rows: 2, values: 2, malformed: 1, lengths: { min: 'plaintext-token'.length, max: good.length, avg: (good.length + 15) / 2 }, versions: [{ format: 'tev1', keyVersion: 3, count: 1 }] });
    expect(refresh).toMatchObject({ rows: 2, values: 1, malformed: 0, versions: [{ format: 'tev1', keyVersion: 3, count: 1 }] });
  });
});
