/**
 * Core II part of `trust demo`: identity, OAuth, secrets, metering, tool controls and
 * privacy jobs, on the accounts and agents the core demo created. Deterministic for a
 * seed (choices come from ctx.rand); the secrets themselves come from the CSPRNG, as
 * they must. Logs counts only, never a secret.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DemoContext } from './extensions.ts';
import { defaultKeyring } from '../crypto/keyring.ts';
import { rotateKeys } from '../crypto/rotate.ts';
import { withTransaction } from '../db/tx.ts';
import { createApiKey, revokeApiKey, type Tier } from '../identity/api-keys.ts';
import { authorize } from '../identity/authorization.ts';
import { AuthError } from '../identity/errors.ts';
import { createSession, resolveSession } from '../identity/sessions.ts';
import { createUser, verifyPassword } from '../identity/users.ts';
import { createVirtualKey, recordProxyRequest, type ProxyRequest } from '../metering/proxy-metering.ts';
import { recordDailyUsage } from './usage-batch.ts';
import { createOAuthConnection, refreshOAuthConnection, type TokenEndpoint } from '../oauth/connections.ts';
import { TokenEndpointError, OAuthError } from '../oauth/errors.ts';
import { consumeOAuthState, createOAuthState } from '../oauth/states.ts';
import { exportAccount } from '../privacy/export.ts';
import { withOperatorAccess } from '../privacy/operator-access.ts';
import { requestAccountDeletion, runAccountPurgeJob } from '../privacy/purge.ts';
import { runRetentionJobs } from '../privacy/retention.ts';
import { deliverAgentSecrets } from '../secrets/agent-secrets.ts';
import { addSshPublicKey } from '../secrets/ssh-keys.ts';
import { authorizeToolCall, decideToolApproval, setAgentSkill } from '../tools/tool-controls.ts';
import { pick } from './prng.ts';

const LLM_MODELS = ['claude-haiku', 'claude-sonnet', 'gpt-4o-mini', 'llama-3.1-70b'] as const;
const VOICE_MODELS = ['tts-standard', 'tts-hd', 'stt-fast'] as const;
const PROVIDERS = ['github', 'google', 'slack'] as const;

/** Bytes from the demo PRNG (identifiers and public material only, never secrets). */
function prngBytes(rand: () => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
}

/**
 * Secret bytes (passwords, OAuth tokens): from the CSPRNG, never from the seeded PRNG, whose
 * output anyone with the seed can replay. The PRNG still advances by the same n draws, so
 * every later choice for a seed (who fails, which model, which account) stays the same.
 */
function secretBytes(rand: () => number, n: number): Buffer {
  for (let i = 0; i < n; i++) rand();
  return randomBytes(n);
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function demoSshKey(rand: () => number, comment: string): string {
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(prngBytes(rand, 32))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** A local stand-in for a provider's token endpoint (the external service). */
function fakeTokenEndpoint(rand: () => number, failTerminally: () => boolean): TokenEndpoint {
  return async () => {
    if (failTerminally()) throw new TokenEndpointError('invalid_grant', true);
    return {
      accessToken: `demo-access-${secretBytes(rand, 12).toString('hex')}`,
      refreshToken: `demo-refresh-${secretBytes(rand, 12).toString('hex')}`,
      expiresInSeconds: 3600,
    };
  };
}

export async function coreIIDemo(ctx: DemoContext): Promise<void> {
  const app = ctx.pools.app;
  const rand = ctx.rand;
  const keyring = defaultKeyring();
  const accounts = ctx.accounts.slice(0, Math.min(ctx.accounts.length, 4 * ctx.scale));
  const counts = { users: 0, apiKeys: 0, refused: 0, sessions: 0, oauth: 0, refreshed: 0, refreshFailed: 0, states: 0, sshKeys: 0, secrets: 0, usage: 0, toolDecisions: 0 };

  // Identity: a few users (bcrypt cost 12 is deliberately slow), API keys of every tier, sessions.
  const owner = accounts[0];
  const passwords: string[] = [];
  for (let i = 0; i < Math.min(3, accounts.length); i++) {
    const password = `demo ${secretBytes(rand, 9).toString('base64url')} passphrase`;
    passwords.push(password);
    const user = await createUser(app, { accountId: accounts[i], email: `owner${i + 1}@demo.harborcloud.example`, password });
    counts.users++;
    const s = await createSession(app, { accountId: accounts[i], userId: user.id });
    await resolveSession(app, s.setCookie.split(';')[0]);
    counts.sessions++;
  }
  await verifyPassword(app, { email: 'owner1@demo.harborcloud.example', password: passwords[0] });
  const keys: Record<Tier, string> = { read: '', manage: '', admin: '' };
  for (const tier of ['read', 'manage', 'admin'] as const) {
    keys[tier] = (await createApiKey(app, { accountId: owner, name: `demo ${tier} key`, tier, actor: 'system:demo' })).key;
    counts.apiKeys++;
  }
  const leaked = await createApiKey(app, { accountId: owner, name: 'demo key revoked after exposure', tier: 'manage', actor: 'system:demo' });
  await revokeApiKey(app, { accountId: owner, keyId: leaked.id, actor: 'system:demo' });
  await authorize(app, keys.read, 'agents.list');
  await authorize(app, keys.manage, 'agents.start');
  await authorize(app, keys.admin, 'api_keys.create');
  for (const [key, op] of [
    [keys.read, 'agents.destroy'],
    [keys.manage, 'api_keys.create'],
    [leaked.key, 'agents.list'],
    ['hck_admin_' + '0'.repeat(64), 'agents.list'],
    ['not-a-key', 'agents.list'],
  ] as const) {
    try {
      await authorize(app, key, op);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      counts.refused++;
    }
  }

  // OAuth: connections with refreshes, one terminal failure; single-use state nonces.
  let refreshes = 0;
  const endpoint = fakeTokenEndpoint(rand, () => ++refreshes === 7);
  for (const accountId of accounts) {
    const provider = pick(rand, PROVIDERS);
    const state = await createOAuthState(app, { accountId, provider });
    await consumeOAuthState(app, { accountId, provider, state });
    counts.states++;
    if (accountId === owner) {
      try {
        await consumeOAuthState(app, { accountId, provider, state });
      } catch (e) {
        if (!(e instanceof OAuthError)) throw e;
        counts.refused++;
      }
    }
    const id = await createOAuthConnection(app, keyring, {
      accountId,
      provider,
      tokens: { accessToken: `demo-access-${secretBytes(rand, 12).toString('hex')}`, refreshToken: `demo-refresh-${secretBytes(rand, 12).toString('hex')}` },
      actor: 'system:demo',
    });
    counts.oauth++;
    for (let r = 0; r < 3; r++) {
      const outcome = await refreshOAuthConnection(app, keyring, { accountId, connectionId: id, endpoint, actor: 'system:oauth_refresher' });
      if (outcome === 'refreshed') counts.refreshed++;
      else {
        counts.refreshFailed++;
        break;
      }
    }
    await addSshPublicKey(app, { accountId, name: 'workstation', publicKey: demoSshKey(rand, `ops@demo.harborcloud.example`) });
    counts.sshKeys++;
  }

  // Per-agent secrets beyond the generated ones, for a few live agents.
  for (const agent of ctx.agents.slice(0, 5 * ctx.scale)) {
    await withTransaction(app, { accounts: [agent.accountId] }, (c) =>
      deliverAgentSecrets(c, { agentId: agent.id, accountId: agent.accountId, extra: { WEBHOOK_SIGNING_SECRET: randomBytes(24).toString('base64url') } }),
    );
    counts.secrets++;
  }

  // Metering: two weeks of proxy traffic per account, reduced to daily aggregates.
  for (const accountId of accounts) {
    const llm = await createVirtualKey(app, { accountId, kind: 'llm' });
    const voice = await createVirtualKey(app, { accountId, kind: 'voice' });
    const requests: ProxyRequest[] = [];
    for (let i = 0; i < 60; i++) {
      const at = new Date(ctx.start.getTime() + Math.floor(rand() * 14) * 86_400_000 + Math.floor(rand() * 86_400_000));
      const isVoice = rand() < 0.25;
      requests.push({
        virtualKey: isVoice ? voice.key : llm.key,
        model: isVoice ? pick(rand, VOICE_MODELS) : pick(rand, LLM_MODELS),
        costMicros: 50 + Math.floor(rand() * 20_000),
        units: { input: 1 + Math.floor(rand() * 4000), output: Math.floor(rand() * 1500) },
        at,
      });
      counts.usage++;
    }
    // The bulk demo writes the same daily rows in one transaction per account (usage-batch.ts).
    if (ctx.bulk)
      await recordDailyUsage(
        app,
        accountId,
        [
          { ...llm, kind: 'llm' },
          { ...voice, kind: 'voice' },
        ],
        requests,
      );
    else for (const r of requests) await recordProxyRequest(app, r);
  }

  // Tool controls: skills, allow-list decisions and an approval gate.
  for (const agent of ctx.agents.slice(0, 3 * ctx.scale)) {
    const scope = { accountId: agent.accountId, agentId: agent.id };
    await setAgentSkill(app, { ...scope, skill: 'web', enabled: true, actor: 'system:demo' });
    await setAgentSkill(app, { ...scope, skill: 'email', enabled: true, actor: 'system:demo' });
    await authorizeToolCall(app, { ...scope, tool: 'web.fetch' });
    await authorizeToolCall(app, { ...scope, tool: 'shell.exec' });
    const gate = await authorizeToolCall(app, { ...scope, tool: 'email.send' });
    if (gate.outcome === 'approval_required') {
      await decideToolApproval(app, { accountId: agent.accountId, approvalId: gate.approvalId, approve: rand() < 0.7, decidedBy: 'user:demo-owner' });
      await authorizeToolCall(app, { ...scope, tool: 'email.send' });
    }
    counts.toolDecisions += 5;
  }

  // Privacy: an access request (export), an operator access, a deletion completed by the purge job.
  const exported = await exportAccount(app, owner);
  await withOperatorAccess(app, { operator: 'oncall@harborcloud.example', reason: 'INC-2041: customer reported failed OAuth refreshes', accounts: [owner] }, async (c) => {
    await c.query(`SELECT id, provider, status, refreshed_at FROM oauth_connections ORDER BY id`);
  });
  // The id is chosen here so the transaction can act for it (accounts is row-level secured).
  const leaving = randomUUID();
  await withTransaction(app, { accounts: [leaving] }, (c) => c.query(`INSERT INTO accounts (id, name) VALUES ($1, 'Demo account (leaving)')`, [leaving]));
  await createUser(app, { accountId: leaving, email: 'leaving@demo.harborcloud.example', password: `demo ${secretBytes(rand, 9).toString('base64url')} passphrase` });
  await createOAuthConnection(app, keyring, {
    accountId: leaving,
    provider: 'github',
    tokens: { accessToken: `demo-access-${secretBytes(rand, 12).toString('hex')}`, refreshToken: `demo-refresh-${secretBytes(rand, 12).toString('hex')}` },
    actor: 'system:demo',
  });
  const vk = await createVirtualKey(app, { accountId: leaving, kind: 'llm' });
  await recordProxyRequest(app, { virtualKey: vk.key, model: 'claude-haiku', costMicros: 1234, units: { input: 100, output: 40 }, at: ctx.start });
  await requestAccountDeletion(app, { accountId: leaving, requestedBy: 'user:leaving-owner' });
  const purge = await runAccountPurgeJob(app);
  const retention = await runRetentionJobs(app);
  const rotation = await rotateKeys(app, keyring, { batchSize: 1000 });

  ctx.log(
    `core II: ${counts.users} users, ${counts.apiKeys} API keys (+1 revoked), ${counts.refused} refused requests, ${counts.sessions} sessions, ` +
      `${counts.oauth} OAuth connections (${counts.refreshed} refreshes, ${counts.refreshFailed} terminal failures), ${counts.states} state nonces, ` +
      `${counts.sshKeys} SSH keys, ${counts.secrets} agents with extra secrets, ${counts.usage} metered proxy requests, ${counts.toolDecisions} tool decisions, ` +
      `export of ${Object.keys(exported.tables).length} tables, ${purge.completed.length} account purged, ${Object.keys(retention).length} retention rules run, ` +
      `${rotation.rotated} ciphertexts rotated to key v${rotation.activeVersion}`,
  );
}
