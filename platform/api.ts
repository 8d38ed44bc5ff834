/**
 * The authorized face of the platform: every operation takes the caller's API key,
 * goes through `authorize` (platform/identity/authorization.ts) with its operation
 * name, and then runs for the key's account only. Nothing runs, and nothing is
 * written, when authorization fails.
 */
import type pg from 'pg';
import { authorize, type Operation } from './identity/authorization.ts';
import type { ApiKeyPrincipal, Tier } from './identity/api-keys.ts';
import { createApiKey, revokeApiKey } from './identity/api-keys.ts';
import { platformContext, type PlatformContext } from './services.ts';
import * as agents from './agents/service.ts';
import * as vms from './vms/service.ts';
import { defaultKeyring, type Keyring } from './crypto/keyring.ts';
import { createOAuthConnection, refreshOAuthConnection, type TokenEndpoint, type TokenSet } from './oauth/connections.ts';
import { addSshPublicKey } from './secrets/ssh-keys.ts';
import { authorizeToolCall, decideToolApproval, setAgentSkill } from './tools/tool-controls.ts';
import { exportAccount } from './privacy/export.ts';
import { requestAccountDeletion } from './privacy/purge.ts';
import { withTransaction } from './db/tx.ts';
import { setAgentSecret } from './secrets/agent-secrets.ts';

export interface PlatformApi {
  provisionAgent(apiKey: string, input: Omit<agents.ProvisionAgentInput, 'accountId'>): Promise<string>;
  startAgent(apiKey: string, agentId: string): Promise<Date>;
  stopAgent(apiKey: string, agentId: string): Promise<Date>;
  destroyAgent(apiKey: string, agentId: string): Promise<Date>;
  transferAgent(apiKey: string, agentId: string, toAccountId: string): Promise<Date>;
  getAgent(apiKey: string, agentId: string): ReturnType<typeof agents.getAgent>;
  provisionVm(apiKey: string, input: Omit<Parameters<typeof vms.provisionVm>[1], 'accountId'>): Promise<string>;
  destroyVm(apiKey: string, vmId: string): Promise<Date>;
  setAgentSecret(apiKey: string, input: { agentId: string; name: string; value: string }): Promise<void>;
  connectOAuth(apiKey: string, input: { provider: string; tokens: TokenSet }): Promise<string>;
  refreshOAuth(apiKey: string, connectionId: string, endpoint: TokenEndpoint): ReturnType<typeof refreshOAuthConnection>;
  addSshKey(apiKey: string, input: { name: string; publicKey: string }): ReturnType<typeof addSshPublicKey>;
  setAgentSkill(apiKey: string, input: { agentId: string; skill: string; enabled: boolean }): Promise<void>;
  decideToolApproval(apiKey: string, input: { approvalId: string; approve: boolean }): Promise<void>;
  createApiKey(apiKey: string, input: { name: string; tier: Tier }): ReturnType<typeof createApiKey>;
  revokeApiKey(apiKey: string, keyId: string): Promise<void>;
  exportAccount(apiKey: string): ReturnType<typeof exportAccount>;
  requestAccountDeletion(apiKey: string): ReturnType<typeof requestAccountDeletion>;
}

function actorOf(p: ApiKeyPrincipal): string {
  return `api_key:${p.displayPrefix}`;
}

/** The tool check itself is called by the agent runtime, not by an API key holder. */
export { authorizeToolCall };

export function platformApi(pool: pg.Pool, opts: { keyring?: Keyring; base?: Partial<PlatformContext> } = {}): PlatformApi {
  const keyring = () => opts.keyring ?? defaultKeyring();
  const as = async (apiKey: string, op: Operation) => {
    const p = await authorize(pool, apiKey, op);
    const ctx = platformContext(pool, { ...opts.base, actor: actorOf(p), accounts: [p.accountId] });
    return { p, ctx };
  };
  return {
    async provisionAgent(k, input) {
      const { p, ctx } = await as(k, 'agents.provision');
      return agents.provisionAgent(ctx, { ...input, accountId: p.accountId });
    },
    async startAgent(k, id) {
      const { ctx } = await as(k, 'agents.start');
      return agents.startAgent(ctx, id);
    },
    async stopAgent(k, id) {
      const { ctx } = await as(k, 'agents.stop');
      return agents.stopAgent(ctx, id);
    },
    async destroyAgent(k, id) {
      const { ctx } = await as(k, 'agents.destroy');
      return agents.destroyAgent(ctx, id);
    },
    // The destination account is added by the service for the transfer's own transaction.
    async transferAgent(k, id, to) {
      const { ctx } = await as(k, 'agents.transfer');
      return agents.transferAgent(ctx, id, to);
    },
    async getAgent(k, id) {
      const { ctx } = await as(k, 'agents.get');
      return agents.getAgent(ctx, id);
    },
    async provisionVm(k, input) {
      const { p, ctx } = await as(k, 'vms.provision');
      return vms.provisionVm(ctx, { ...input, accountId: p.accountId } as Parameters<typeof vms.provisionVm>[1]);
    },
    async destroyVm(k, id) {
      const { ctx } = await as(k, 'vms.destroy');
      return vms.destroyVm(ctx, id);
    },
    async setAgentSecret(k, input) {
      const { p } = await as(k, 'agent_secrets.set');
      await withTransaction(pool, { accounts: [p.accountId] }, (c) => setAgentSecret(c, { ...input, accountId: p.accountId }, keyring()));
    },
    async connectOAuth(k, input) {
      const { p } = await as(k, 'oauth.connect');
      return createOAuthConnection(pool, keyring(), { accountId: p.accountId, provider: input.provider, tokens: input.tokens, actor: actorOf(p) });
    },
    async refreshOAuth(k, id, endpoint) {
      const { p } = await as(k, 'oauth.refresh');
      return refreshOAuthConnection(pool, keyring(), { accountId: p.accountId, connectionId: id, endpoint, actor: actorOf(p) });
    },
    async addSshKey(k, input) {
      const { p } = await as(k, 'ssh_keys.add');
      return addSshPublicKey(pool, { accountId: p.accountId, ...input });
    },
    async setAgentSkill(k, input) {
      const { p } = await as(k, 'tools.configure');
      return setAgentSkill(pool, { accountId: p.accountId, ...input, actor: actorOf(p) });
    },
    async decideToolApproval(k, input) {
      const { p } = await as(k, 'tools.decide');
      return decideToolApproval(pool, { accountId: p.accountId, ...input, decidedBy: actorOf(p) });
    },
    async createApiKey(k, input) {
      const { p } = await as(k, 'api_keys.create');
      return createApiKey(pool, { accountId: p.accountId, ...input, actor: actorOf(p) });
    },
    async revokeApiKey(k, id) {
      const { p } = await as(k, 'api_keys.revoke');
      return revokeApiKey(pool, { accountId: p.accountId, keyId: id, actor: actorOf(p) });
    },
    async exportAccount(k) {
      const { p } = await as(k, 'account.export');
      return exportAccount(pool, p.accountId);
    },
    async requestAccountDeletion(k) {
      const { p } = await as(k, 'account.delete');
      return requestAccountDeletion(pool, { accountId: p.accountId, requestedBy: actorOf(p) });
    },
  };
}
