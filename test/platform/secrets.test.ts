import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, destroyAgentSql, ED25519_KEY, makeAccount, makeAgent, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { deliverAgentSecrets } from '../../platform/secrets/agent-secrets.ts';
import { addSshPublicKey, sshFingerprint } from '../../platform/secrets/ssh-keys.ts';
import { inspect } from 'node:util';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const keyring = testKeyring();
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db.drop(); });

describe('per-agent secrets', () => {
  it('are delivered at provisioning, sealed at rest, never serialised, and gone when the agent is destroyed', async () => {
    const acct = await makeAccount(db);
    const agent = await makeAgent(db, acct);
    const keep = await makeAgent(db, acct);
    const d = await withTransaction(db.pool('app'), { accounts: [acct] }, (c) => deliverAgentSecrets(c, { agentId: agent, accountId: acct, extra: { OPENAI_API_KEY: 'sk-demo-value-123456' } }, keyring));
    await withTransaction(db.pool('app'), { accounts: [acct] }, (c) => deliverAgentSecrets(c, { agentId: keep, accountId: acct }, keyring));
    expect(d.names).toEqual(['AGENT_PLATFORM_TOKEN', 'OPENAI_API_KEY']);
    expect(d.reveal().OPENAI_API_KEY).toBe('sk-demo-value-123456');
    expect(JSON.stringify(d)).not.toContain('sk-demo');
    expect(inspect(d)).not.toContain('sk-demo');
    const rows = await adminQuery(db, `SELECT ciphertext, delivered_at FROM agent_secrets WHERE agent_id = $1`, [agent]);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.ciphertext).toMatch(/^tev1:1:/);
      expect(r.delivered_at).not.toBeNull();
    }
    await destroyAgentSql(db, acct, agent);
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets WHERE agent_id = $1`, [agent])).toHaveLength(0);
    // orphans anywhere: a secret whose agent no longer exists
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets s WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = s.agent_id)`)).toHaveLength(0);
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets WHERE agent_id = $1`, [keep])).toHaveLength(1);
  });

  it('follow their agent on transfer', async () => {
    const from = await makeAccount(db, 'from');
    const to = await makeAccount(db, 'to');
    const agent = await makeAgent(db, from);
    await withTransaction(db.pool('app'), { accounts: [from] }, (c) => deliverAgentSecrets(c, { agentId: agent, accountId: from }, keyring));
    await withTransaction(db.pool('app'), { accounts: [from, to] }, (c) => c.query(`SELECT agent_transfer($1, $2, 'test', NULL)`, [agent, to]));
    const rows = await adminQuery(db, `SELECT account_id FROM agent_secrets WHERE agent_id = $1`, [agent]);
    expect(rows.map((r) => r.account_id)).toEqual([to]);
  });
});

describe('SSH public keys', () => {
  it('are stored in plaintext, and the schema says why', async () => {
    const acct = await makeAccount(db);
    const { fingerprint } = await addSshPublicKey(db.pool('app'), { accountId: acct, name: 'laptop', publicKey: ED25519_KEY });
    expect(fingerprint).toBe(sshFingerprint(ED25519_KEY));
    const [row] = await adminQuery(db, `SELECT public_key FROM ssh_public_keys`);
    expect(row.public_key).toBe(ED25519_KEY);
    const [c] = await adminQuery(db, `SELECT col_description('ssh_public_keys'::regclass, attnum) AS d FROM pg_attribute WHERE attrelid = 'ssh_public_keys'::regclass AND attname = 'public_key'`);
    expect(c.d).toBe('public key, not a secret: stored in plaintext on purpose');
    await expect(addSshPublicKey(db.pool('app'), { accountId: acct, name: 'x', publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----' })).rejects.toThrow(expect.objectContaining({ code: 'invalid_ssh_key' }));
  });
});
