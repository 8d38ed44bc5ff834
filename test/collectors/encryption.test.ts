import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import type { Catalog } from '../../controls/types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import { randomBytes } from 'node:crypto';
import { Keyring } from '../../platform/crypto/keyring.ts';
import { createOAuthConnection } from '../../platform/oauth/connections.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { deliverAgentSecrets } from '../../platform/secrets/agent-secrets.ts';
import { makeAccount, makeAgent } from '../helpers/core-ii-fixtures.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { runCheck } from '../../controls/checks/types.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const collect = async () =>
  (await runCollectors(db, { root: process.cwd(), now: new Date(), catalog: {} as Catalog, auditVerification: 'incremental', only: ['encryption'] })).parts.encryption.facts as EncryptionFacts;

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
      await admin.query(
        `
        INSERT INTO oauth_connections (account_id, provider, access_token, refresh_token)
        VALUES ($1, 'github', $2, NULL), ($1, 'gitlab', 'plaintext-token', $2)`,
        [account, good],
      );
    } finally {
      await admin.end();
    }
    const facts = await collect();
    const access = facts.columns.find((c) => c.table === 'public.oauth_connections' && c.column === 'access_token')!;
    const refresh = facts.columns.find((c) => c.table === 'public.oauth_connections' && c.column === 'refresh_token')!;
    expect(access).toMatchObject({
      rows: 2,
      values: 2,
      malformed: 1,
      lengths: { min: 'plaintext-token'.length, max: good.length, avg: (good.length + 15) / 2 },
      versions: [{ format: 'tev1', keyVersion: 3, count: 1 }],
    });
    expect(refresh).toMatchObject({ rows: 2, values: 1, malformed: 0, versions: [{ format: 'tev1', keyVersion: 3, count: 1 }] });
  });

  it('opens each value with its own row and owner, names a row moved to another owner, and counts tev1 values', async () => {
    const file = { active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': new Date().toISOString() } };
    const saved = process.env.TRUST_KEYRING;
    process.env.TRUST_KEYRING = JSON.stringify(file);
    try {
      const keyring = new Keyring(file, 'env', 'test');
      const admin = new pg.Client({ connectionString: db.adminUrl });
      await admin.connect();
      try {
        // A clean database for this test: the rows of the previous one go.
        await admin.query('DELETE FROM oauth_connections');
        const a = await makeAccount(db, 'a');
        const b = await makeAccount(db, 'b');
        const agentA = await makeAgent(db, a);
        const agentB = await makeAgent(db, b);
        await createOAuthConnection(db.pool('app'), keyring, { accountId: a, provider: 'github', tokens: { accessToken: 'access-a-token', refreshToken: 'refresh-a-token' }, actor: 'test' });
        await withTransaction(db.pool('app'), { accounts: [a] }, (c) => deliverAgentSecrets(c, { agentId: agentA, accountId: a, extra: { OPENAI_API_KEY: 'sk-a-only' } }, keyring));
        await withTransaction(db.pool('app'), { accounts: [b] }, (c) => deliverAgentSecrets(c, { agentId: agentB, accountId: b }, keyring));
        let facts = await collect();
        const secrets = () => facts.columns.find((c) => c.table === 'public.agent_secrets')!;
        expect(secrets()).toMatchObject({
          rowIdColumn: 'id',
          ownerColumns: ['account_id', 'agent_id', 'name'],
          values: 3,
          legacy: 0,
          binding: { checked: 3, opened: 3, failureCount: 0, probed: 3, refusedElsewhere: 3 },
        });
        expect(facts.config).toMatchObject({ ciphertextFormat: 'tev2', associatedData: 'table/column/row_id/owner' });
        const bound = findCheck('ciphertexts_bound_to_owner')!;
        expect(runCheck(bound, { encryption: facts }, {}).status).toBe('pass');
        // The attack of issue 13 (defect 9): A's secret re-pointed at B's agent, as a superuser would.
        const [{ id }] = (
          await admin.query(`UPDATE agent_secrets SET agent_id = $2, account_id = $3, name = 'STOLEN' WHERE agent_id = $1 AND name = 'OPENAI_API_KEY' RETURNING id`, [agentA, agentB, b])
        ).rows;
        facts = await collect();
        expect(secrets().binding).toMatchObject({ checked: 3, opened: 2, failureCount: 1, failures: [{ rowId: id, reason: 'authentication_failed' }] });
        const moved = runCheck(bound, { encryption: facts }, {});
        expect(moved.status).toBe('fail');
        expect(moved.findings.find((f) => f.status === 'fail')!.origin.resource).toBe(`row:public.agent_secrets.id=${id}`);
        // A tev1 value (the row-only binding) is counted and fails the control until rotated.
        await admin.query(`UPDATE agent_secrets SET ciphertext = 'tev1:1:' || split_part(ciphertext, ':', 3) WHERE id = $1`, [id]);
        facts = await collect();
        expect(secrets()).toMatchObject({
          legacy: 1,
          versions: [
            { format: 'tev1', keyVersion: 1, count: 1 },
            { format: 'tev2', keyVersion: 1, count: 2 },
          ],
        });
        expect(runCheck(bound, { encryption: facts }, {}).findings.find((f) => f.status === 'fail')!.reason).toMatch(
          /^1 of 3 value\(s\) of `public.agent_secrets.ciphertext` still use the tev1 binding/,
        );
        expect(JSON.stringify(facts)).not.toMatch(/sk-a-only|access-a-token|refresh-a-token|tev\d:\d+:[A-Za-z0-9_-]{20,}/);
      } finally {
        await admin.end();
      }
    } finally {
      if (saved === undefined) delete process.env.TRUST_KEYRING;
      else process.env.TRUST_KEYRING = saved;
    }
  });
});
