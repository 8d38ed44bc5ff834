/** The authorized facade: the key's tier decides, the key's account scopes, a refusal writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { platformApi } from '../../platform/api.ts';
import { createApiKey } from '../../platform/identity/api-keys.ts';
import { syncRegions } from '../../platform/services.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
  await syncRegions(db.pool('owner'));
});
afterAll(async () => {
  await db.drop();
});

async function writes() {
  return JSON.stringify(
    await adminQuery(db, `SELECT (SELECT count(*) FROM agents) a, (SELECT count(*) FROM audit_events) e, (SELECT count(*) FROM api_keys) k, (SELECT count(*) FROM agent_secrets) s`),
  );
}

describe('platform api', () => {
  it('enforces tiers on core I and core II operations, scoped to the key account', async () => {
    const pool = db.pool('app');
    const acct = await makeAccount(db, 'api');
    const other = await makeAccount(db, 'other');
    const read = (await createApiKey(pool, { accountId: acct, name: 'r', tier: 'read', actor: 't' })).key;
    const manage = (await createApiKey(pool, { accountId: acct, name: 'm', tier: 'manage', actor: 't' })).key;
    const otherAdmin = (await createApiKey(pool, { accountId: other, name: 'a', tier: 'admin', actor: 't' })).key;
    const api = platformApi(pool, { keyring: testKeyring() });
    const before = await writes();
    await expect(api.provisionAgent(read, { region: 'eu', name: 'x' })).rejects.toThrow(expect.objectContaining({ code: 'insufficient_tier' }));
    await expect(api.createApiKey(manage, { name: 'escalate', tier: 'admin' })).rejects.toThrow(expect.objectContaining({ code: 'insufficient_tier' }));
    await expect(api.exportAccount('hck_admin_' + 'f'.repeat(64))).rejects.toThrow(expect.objectContaining({ code: 'unknown_api_key' }));
    expect(await writes()).toBe(before);
    const agentId = await api.provisionAgent(manage, { region: 'eu', name: 'via api' });
    expect((await api.getAgent(read, agentId))?.id).toBe(agentId);
    // secrets were delivered at provisioning
    expect((await adminQuery(db, `SELECT name FROM agent_secrets WHERE agent_id = $1`, [agentId])).map((r) => r.name)).toEqual(['AGENT_PLATFORM_TOKEN']);
    // another account's admin key cannot see or destroy it
    expect(await api.getAgent(otherAdmin, agentId)).toBeNull();
    await expect(api.destroyAgent(otherAdmin, agentId)).rejects.toThrow();
    await api.destroyAgent(manage, agentId);
    expect(await adminQuery(db, `SELECT 1 FROM agent_secrets WHERE agent_id = $1`, [agentId])).toHaveLength(0);
  });
});
