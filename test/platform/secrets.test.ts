import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, destroyAgentSql, ED25519_KEY, makeAccount, makeAgent, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { deliverAgentSecrets } from '../../platform/secrets/agent-secrets.ts';
import { addSshPublicKey, sshFingerprint } from '../../platform/secrets/ssh-keys.ts';
import { inspect } from 'node:util';
import { DecryptionError, defaultKeyring } from '../../platform/crypto/keyring.ts';
import { transferAgent } from '../../platform/agents/service.ts';
import { platformContext } from '../../platform/services.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const keyring = testKeyring();
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('per-agent secrets', () => {
  it('are delivered at provisioning, sealed at rest, never serialised, and gone when the agent is destroyed', async () => {
    const acct = await makeAccount(db);
    const agent = await makeAgent(db, acct);
    const keep = await makeAgent(db, acct);
    const d = await withTransaction(db.pool('app'), { accounts: [acct] }, (c) =>
      deliverAgentSecrets(c, { agentId: agent, accountId: acct, extra: { OPENAI_API_KEY: 'sk-demo-value-123456' } }, keyring),
    );
    await withTransaction(db.pool('app'), { accounts: [acct] }, (c) => deliverAgentSecrets(c, { agentId: keep, accountId: acct }, keyring));
    expect(d.names).toEqual(['AGENT_PLATFORM_TOKEN', 'OPENAI_API_KEY']);
    expect(d.reveal().OPENAI_API_KEY).toBe('sk-demo-value-123456');
    expect(JSON.stringify(d)).not.toContain('sk-demo');
    expect(inspect(d)).not.toContain('sk-demo');
    const rows = await adminQuery(db, `SELECT ciphertext, delivered_at FROM agent_secrets WHERE agent_id = $1`, [agent]);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.ciphertext).toMatch(/^tev2:1:/);
      expect(r.delivered_at).not.toBeNull();
    }
    await destroyAgentSql(db, acct, agent);
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets WHERE agent_id = $1`, [agent])).toHaveLength(0);
    // orphans anywhere: a secret whose agent no longer exists
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets s WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = s.agent_id)`)).toHaveLength(0);
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets WHERE agent_id = $1`, [keep])).toHaveLength(1);
  });

  it('follow their agent on transfer, re-sealed for the new account', async () => {
    // transferAgent, like provisioning, uses the process keyring.
    const k = defaultKeyring();
    const from = await makeAccount(db, 'from');
    const to = await makeAccount(db, 'to');
    const agent = await makeAgent(db, from);
    const before = await withTransaction(db.pool('app'), { accounts: [from] }, (c) =>
      deliverAgentSecrets(c, { agentId: agent, accountId: from, extra: { GITHUB_TOKEN: 'ghs-moves-with-its-agent' } }, k),
    );
    const sealed = await adminQuery(db, `SELECT ciphertext FROM agent_secrets WHERE agent_id = $1 ORDER BY name`, [agent]);
    await transferAgent(platformContext(db.pool('app'), { accounts: [from], actor: 'test' }), agent, to);
    const rows = await adminQuery(db, `SELECT account_id, ciphertext FROM agent_secrets WHERE agent_id = $1 ORDER BY name`, [agent]);
    expect(rows.map((r) => r.account_id)).toEqual([to, to]);
    expect(rows.map((r) => r.ciphertext)).not.toContain(sealed[0].ciphertext);
    const after = await withTransaction(db.pool('app'), { accounts: [to] }, (c) => deliverAgentSecrets(c, { agentId: agent, accountId: to }, k));
    expect(after.reveal()).toEqual(before.reveal());
    // A transfer by SQL alone (no keyring in the database) leaves the secrets bound to the old account: delivery refuses them.
    const back = await withTransaction(db.pool('app'), { accounts: [from, to] }, (c) => c.query(`SELECT agent_transfer($1, $2, 'test', NULL)`, [agent, from]));
    expect(back.rowCount).toBe(1);
    await expect(withTransaction(db.pool('app'), { accounts: [from] }, (c) => deliverAgentSecrets(c, { agentId: agent, accountId: from }, k))).rejects.toThrow(DecryptionError);
  });
});

describe('a secret row moved to another owner (issue 13, defect 9)', () => {
  it('does not decrypt for the agent it was moved to: delivery refuses with a clear error and no plaintext', async () => {
    const victim = await makeAccount(db, 'victim');
    const thief = await makeAccount(db, 'thief');
    const victimAgent = await makeAgent(db, victim);
    const thiefAgent = await makeAgent(db, thief);
    const value = 'sk-victim-only-9f8e7d6c5b4a';
    await withTransaction(db.pool('app'), { accounts: [victim] }, (c) => deliverAgentSecrets(c, { agentId: victimAgent, accountId: victim, extra: { OPENAI_API_KEY: value } }, keyring));
    await withTransaction(db.pool('app'), { accounts: [thief] }, (c) => deliverAgentSecrets(c, { agentId: thiefAgent, accountId: thief }, keyring));
    // What a superuser or the schema owner can do: re-point the row (id and ciphertext unchanged).
    const [row] = await adminQuery(db, `SELECT id, delivered_at FROM agent_secrets WHERE agent_id = $1 AND name = 'OPENAI_API_KEY'`, [victimAgent]);
    await adminQuery(db, `UPDATE agent_secrets SET agent_id = $2, account_id = $3, name = 'STOLEN_KEY', delivered_at = NULL WHERE id = $1`, [row.id, thiefAgent, thief]);
    const attempt = withTransaction(db.pool('app'), { accounts: [thief] }, (c) => deliverAgentSecrets(c, { agentId: thiefAgent, accountId: thief }, keyring));
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DecryptionError);
    expect(err).toMatchObject({ reason: 'authentication_failed' });
    expect((err as Error).message).toMatch(new RegExp(`agent_secrets\\.ciphertext row ${row.id}: .*another row, column or owner`));
    expect(`${(err as Error).message} ${(err as Error).stack}`).not.toContain(value);
    // The delivery rolled back: the moved row is not marked delivered.
    const [after] = await adminQuery(db, `SELECT delivered_at FROM agent_secrets WHERE id = $1`, [row.id]);
    expect(after.delivered_at).toBeNull();
    // Moving only the account (the victim agent's secrets re-labelled as the thief's), or only the name, is refused too.
    await adminQuery(db, `UPDATE agent_secrets SET agent_id = $2, name = 'OPENAI_API_KEY' WHERE id = $1`, [row.id, victimAgent]);
    await adminQuery(db, `UPDATE agent_secrets SET account_id = $2 WHERE agent_id = $1`, [victimAgent, thief]);
    await expect(withTransaction(db.pool('app'), { accounts: [thief] }, (c) => deliverAgentSecrets(c, { agentId: victimAgent, accountId: thief }, keyring))).rejects.toThrow(DecryptionError);
    await adminQuery(db, `UPDATE agent_secrets SET account_id = $2 WHERE agent_id = $1`, [victimAgent, victim]);
    await adminQuery(db, `UPDATE agent_secrets SET name = 'RENAMED_KEY' WHERE id = $1`, [row.id]);
    await expect(withTransaction(db.pool('app'), { accounts: [victim] }, (c) => deliverAgentSecrets(c, { agentId: victimAgent, accountId: victim }, keyring))).rejects.toThrow(DecryptionError);
    // Put back where it was sealed, it decrypts again.
    await adminQuery(db, `UPDATE agent_secrets SET name = 'OPENAI_API_KEY' WHERE id = $1`, [row.id]);
    const back = await withTransaction(db.pool('app'), { accounts: [victim] }, (c) => deliverAgentSecrets(c, { agentId: victimAgent, accountId: victim }, keyring));
    expect(back.reveal().OPENAI_API_KEY).toBe(value);
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
    await expect(addSshPublicKey(db.pool('app'), { accountId: acct, name: 'x', publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----' })).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_ssh_key' }),
    );
  });
});
