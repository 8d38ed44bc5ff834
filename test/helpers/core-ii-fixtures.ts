/**
 * Fixtures for core II tests: accounts, a region and agents created through the
 * platform's own SQL (agent_provision), with the runtime role and RLS context.
 */
import pg from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/index.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { withClient } from './db.ts';
import { Keyring } from '../../platform/crypto/keyring.ts';

export function testKeyring(active = 1, versions = [1]): Keyring {
  const keys = Object.fromEntries(versions.map((v) => [String(v), randomBytes(32).toString('base64')]));
  return new Keyring({ active, keys }, 'env', 'test');
}

/** The same key material with another active version (what `keys add` produces). */
export function withActive(k: Keyring, file: { keys: Record<string, string> }, active: number): Keyring {
  return new Keyring({ active, keys: file.keys }, 'env', 'test');
}

export async function makeAccount(db: Database, name = 'acct'): Promise<string> {
  // The id is chosen here so the transaction can act for it: accounts is row-level secured (0310).
  const id = randomUUID();
  await withTransaction(db.pool('app'), { accounts: [id] }, (c) => c.query(`INSERT INTO accounts (id, name) VALUES ($1, $2)`, [id, name]));
  return id;
}

export async function ensureRegion(db: Database): Promise<void> {
  await withClient(db.adminUrl, async (c) => {
    await c.query(`INSERT INTO regions (id, location, price_cell) VALUES ('eu', 'hel1', 'eu-standard') ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO region_products (region, product) VALUES ('eu', 'agent'), ('eu', 'vm') ON CONFLICT DO NOTHING`);
  });
}

export async function makeAgent(db: Database, accountId: string): Promise<string> {
  await ensureRegion(db);
  const id = randomUUID();
  const ref = () => `local-${randomBytes(6).toString('hex')}`;
  await withTransaction(db.pool('app'), { accounts: [accountId] }, (c) =>
    c.query(`SELECT agent_provision($1, $2, 'eu', 'test agent', $3, '{}'::jsonb, 'v1', 'local', $4, $5, $6, $7, $8, $9, 20, 'test', clock_timestamp())`, [
      id,
      accountId,
      'sha256:' + 'a'.repeat(64),
      randomUUID(),
      ref(),
      randomUUID(),
      ref(),
      randomUUID(),
      ref(),
    ]),
  );
  return id;
}

export async function destroyAgentSql(db: Database, accountId: string, agentId: string): Promise<void> {
  await withTransaction(db.pool('app'), { accounts: [accountId] }, (c) => c.query(`SELECT * FROM agent_destroy($1, 'test', NULL)`, [agentId]));
}

/** Superuser query, for checks that must see every row regardless of RLS. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(db.adminUrl, async (c) => (await c.query<T>(sql, params)).rows);
}

/**
 * Puts at least one row into as many account tables as the platform's own functions
 * can reach for one account: identity, OAuth, secrets, metering, tools, agents, VMs.
 * Uses the real services (bcrypt at cost 12 once per call).
 */
export async function populateAccount(db: Database, accountId: string, keyring: Keyring): Promise<{ agentId: string }> {
  const { createUser } = await import('../../platform/identity/users.ts');
  const { createApiKey } = await import('../../platform/identity/api-keys.ts');
  const { createSession } = await import('../../platform/identity/sessions.ts');
  const { createOAuthConnection } = await import('../../platform/oauth/connections.ts');
  const { createOAuthState } = await import('../../platform/oauth/states.ts');
  const { deliverAgentSecrets } = await import('../../platform/secrets/agent-secrets.ts');
  const { addSshPublicKey } = await import('../../platform/secrets/ssh-keys.ts');
  const { createVirtualKey, recordProxyRequest } = await import('../../platform/metering/proxy-metering.ts');
  const { setAgentSkill, authorizeToolCall } = await import('../../platform/tools/tool-controls.ts');
  const { requestAccountDeletion } = await import('../../platform/privacy/purge.ts');
  const pool = db.pool('app');
  const tag = randomBytes(4).toString('hex');
  const user = await createUser(pool, { accountId, email: `owner-${tag}@example.com`, password: `correct horse ${tag} battery` });
  await createApiKey(pool, { accountId, name: 'ci', tier: 'read', actor: `user:${user.id}` });
  await createSession(pool, { accountId, userId: user.id });
  await createOAuthConnection(pool, keyring, { accountId, provider: 'github', tokens: { accessToken: `access-${tag}-token`, refreshToken: `refresh-${tag}-token` }, actor: 'test' });
  await createOAuthState(pool, { accountId, provider: 'github' });
  await addSshPublicKey(pool, { accountId, name: 'laptop', publicKey: ED25519_KEY });
  const agentId = await makeAgent(db, accountId);
  await withTransaction(pool, { accounts: [accountId] }, (c) => deliverAgentSecrets(c, { agentId, accountId, extra: { GITHUB_TOKEN: `ghs-${tag}-secret` } }, keyring));
  await setAgentSkill(pool, { accountId, agentId, skill: 'email', enabled: true, actor: 'test' });
  await authorizeToolCall(pool, { accountId, agentId, tool: 'email.send' });
  for (const kind of ['llm', 'voice'] as const) {
    const vk = await createVirtualKey(pool, { accountId, kind });
    await recordProxyRequest(pool, { virtualKey: vk.key, model: kind === 'llm' ? 'gpt-4o-mini' : 'tts-1', costMicros: 1200, units: { input: 10, output: 20 } });
  }
  await withTransaction(pool, { accounts: [accountId] }, async (c) => {
    await c.query(`SELECT agent_set_state($1, 'running', 'test', clock_timestamp())`, [agentId]);
    await c.query(`SELECT agent_set_state($1, 'paused', 'test', clock_timestamp() + interval '1 millisecond')`, [agentId]);
    await c.query(`SELECT vm_provision($1, $2, 'eu', 'vm', 'debian-12', 'local', $3, $4, '[{"protocol":"tcp","port_from":22}]'::jsonb, 'test', clock_timestamp())`, [
      randomUUID(),
      accountId,
      randomUUID(),
      `local-${randomBytes(6).toString('hex')}`,
    ]);
    await c.query(`INSERT INTO provider_operations (account_id, provider, operation, resource_id, provider_ref, requested_at) VALUES ($1, 'local', 'create_server', $2, 'local-x', now())`, [
      accountId,
      randomUUID(),
    ]);
  });
  await requestAccountDeletion(pool, { accountId, requestedBy: `user:${user.id}` });
  return { agentId };
}

export const ED25519_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQPbQEKuTDGMvJ6yO7GYaDCSjrMYWWeuU91WBvh8Vt+ demo@harborcloud.example';
