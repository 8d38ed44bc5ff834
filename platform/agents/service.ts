/**
 * Agent lifecycle: provision, start, stop, transfer, destroy, clone.
 *
 * Each call is one transaction. The state changes themselves are SQL functions
 * (migration 0005) so that the period bookkeeping, usage and the audit event commit
 * together; this module validates input, talks to the provider and maps refusals to
 * PlatformError. Nothing is written when a call throws.
 */
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../kernel/errors.ts';
import { findRegion } from '../config/regions.ts';
import { serviceTx, requireUuid, timeOf, type PlatformContext } from '../services.ts';
import { deliverAgentSecrets, resealAgentSecrets } from '../secrets/agent-secrets.ts';

/** The image and platform version new agents get (clone moves an agent to another image). */
export const CURRENT_AGENT_IMAGE = 'sha256:' + '7'.repeat(64);
export const CURRENT_PLATFORM_VERSION = '2026.11.1';
const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;
const DEFAULT_DISK_GB = 40;

export interface ProvisionAgentInput {
  accountId: string;
  region: string;
  name: string;
  /** Image digest; defaults to CURRENT_AGENT_IMAGE. */
  image?: string;
  /** Non-secret configuration, pinned for the agent's lifetime. */
  env?: Record<string, string | number | boolean>;
  at?: Date;
  /** Chosen id (tests, demo); random otherwise. */
  id?: string;
}

export interface Agent {
  id: string;
  accountId: string;
  region: string;
  name: string;
  imageDigest: string;
  env: Record<string, unknown>;
  platformVersion: string;
  serverId: string;
  tunnelId: string;
  diskId: string;
  state: 'running' | 'paused';
  clonedFrom: string | null;
  provisionedAt: Date;
}

function regionFor(region: string) {
  const r = findRegion(region);
  if (!r) throw new PlatformError('unknown_region', `unknown region "${region}"`);
  if (!r.products.includes('agent')) throw new PlatformError('product_not_hosted', `region "${region}" does not host agents`);
  return r;
}

function checkImage(image: string): void {
  if (!IMAGE_DIGEST.test(image)) throw new PlatformError('invalid_image', `image "${image}" is not a sha256 digest (sha256:<64 hex>)`);
}

/** Creates the server, tunnel and disk, then the agent (paused) and its first period. */
export async function provisionAgent(ctx: PlatformContext, input: ProvisionAgentInput): Promise<string> {
  requireUuid(input.accountId, 'account');
  const region = regionFor(input.region);
  const image = input.image ?? CURRENT_AGENT_IMAGE;
  checkImage(image);
  const id = input.id ?? randomUUID();
  return serviceTx(ctx, [...ctx.accounts, input.accountId], async (client) => {
    const at = timeOf(ctx, input.at) ?? new Date((await client.query('SELECT clock_timestamp() AS t')).rows[0].t);
    await provisionInTx(ctx, client, { id, accountId: input.accountId, region: region.id, location: region.location, name: input.name, image, env: input.env ?? {}, at, clonedFrom: null });
    return id;
  });
}

async function provisionInTx(
  ctx: PlatformContext,
  client: import('pg').PoolClient,
  a: { id: string; accountId: string; region: string; location: string; name: string; image: string; env: object; at: Date; clonedFrom: string | null },
): Promise<void> {
  const call = { client, accountId: a.accountId, at: a.at };
  const serverId = randomUUID();
  const tunnelId = randomUUID();
  const diskId = randomUUID();
  const serverRef = await ctx.provider.createServer(call, { id: serverId, region: a.region, location: a.location, kind: 'agent' });
  const tunnelRef = await ctx.provider.createTunnel(call, { id: tunnelId, region: a.region, location: a.location, serverId });
  const diskRef = await ctx.provider.createDisk(call, { id: diskId, region: a.region, location: a.location, sizeGb: DEFAULT_DISK_GB });
  // Outbound only: the agent is served through its tunnel, so its firewall allows nothing in.
  await ctx.provider.applyFirewall(call, { serverId, serverRef, inbound: [] });
  await client.query(`SELECT agent_provision($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, [
    a.id,
    a.accountId,
    a.region,
    a.name,
    a.image,
    JSON.stringify(a.env),
    CURRENT_PLATFORM_VERSION,
    ctx.provider.name,
    serverId,
    serverRef,
    tunnelId,
    tunnelRef,
    diskId,
    diskRef,
    DEFAULT_DISK_GB,
    ctx.actor,
    a.at,
    a.clonedFrom,
  ]);
  // Per-agent secrets (platform/secrets): generated, sealed and marked delivered in this transaction.
  await deliverAgentSecrets(client, { agentId: a.id, accountId: a.accountId });
}

/** Starts a paused agent on the image, environment and platform version it was provisioned with. */
export async function startAgent(ctx: PlatformContext, agentId: string, opts: { at?: Date } = {}): Promise<Date> {
  requireUuid(agentId, 'agent');
  return serviceTx(ctx, ctx.accounts, async (c) => (await c.query('SELECT agent_set_state($1, $2, $3, $4) AS at', [agentId, 'running', ctx.actor, timeOf(ctx, opts.at)])).rows[0].at);
}

export async function stopAgent(ctx: PlatformContext, agentId: string, opts: { at?: Date } = {}): Promise<Date> {
  requireUuid(agentId, 'agent');
  return serviceTx(ctx, ctx.accounts, async (c) => (await c.query('SELECT agent_set_state($1, $2, $3, $4) AS at', [agentId, 'paused', ctx.actor, timeOf(ctx, opts.at)])).rows[0].at);
}

/**
 * Moves the agent to another account: the source's period closes where the destination's
 * opens. Its secrets follow it (agent_transfer moves their rows) and are re-sealed for the
 * new account in the same transaction, since each is bound to its owning account.
 */
export async function transferAgent(ctx: PlatformContext, agentId: string, toAccountId: string, opts: { at?: Date } = {}): Promise<Date> {
  requireUuid(agentId, 'agent');
  requireUuid(toAccountId, 'account');
  return serviceTx(ctx, [...ctx.accounts, toAccountId], async (c) => {
    const from = (await c.query<{ account_id: string }>('SELECT account_id::text AS account_id FROM agents WHERE id = $1 FOR UPDATE', [agentId])).rows[0]?.account_id;
    const at = (await c.query('SELECT agent_transfer($1, $2, $3, $4) AS at', [agentId, toAccountId, ctx.actor, timeOf(ctx, opts.at)])).rows[0].at;
    if (from) await resealAgentSecrets(c, { agentId, fromAccountId: from, toAccountId });
    return at;
  });
}

/** Removes the agent with its server, tunnel and disk; its periods, usage and events remain. */
export async function destroyAgent(ctx: PlatformContext, agentId: string, opts: { at?: Date } = {}): Promise<Date> {
  requireUuid(agentId, 'agent');
  return serviceTx(ctx, ctx.accounts, async (client) => {
    const r = (await client.query('SELECT * FROM agent_destroy($1, $2, $3)', [agentId, ctx.actor, timeOf(ctx, opts.at)])).rows[0];
    const call = { client, accountId: r.account_id, at: r.destroyed_at };
    await ctx.provider.destroyServer(call, r.server_id, r.server_ref);
    await ctx.provider.destroyTunnel(call, r.tunnel_id, r.tunnel_ref);
    await ctx.provider.destroyDisk(call, r.disk_id, r.disk_ref);
    return r.destroyed_at;
  });
}

/** The supported upgrade path: a NEW agent on a new image, same account, region and environment. */
export async function cloneAgent(ctx: PlatformContext, agentId: string, opts: { image: string; name?: string; at?: Date; id?: string }): Promise<string> {
  requireUuid(agentId, 'agent');
  checkImage(opts.image);
  const id = opts.id ?? randomUUID();
  return serviceTx(ctx, ctx.accounts, async (client) => {
    const src = (await client.query('SELECT account_id, region, name, env FROM agents WHERE id = $1 FOR SHARE', [agentId])).rows[0];
    if (!src) throw new PlatformError('agent_not_found', `agent ${agentId} does not exist (or is not visible to this account)`);
    const region = regionFor(src.region);
    const at = timeOf(ctx, opts.at) ?? new Date((await client.query('SELECT clock_timestamp() AS t')).rows[0].t);
    await provisionInTx(ctx, client, {
      id,
      accountId: src.account_id,
      region: region.id,
      location: region.location,
      name: opts.name ?? `${src.name} (clone)`,
      image: opts.image,
      env: src.env,
      at,
      clonedFrom: agentId,
    });
    await client.query('SELECT audit_record($1, $2, $3, $4, $5, $6, $7)', [
      at,
      src.account_id,
      ctx.actor,
      'agent.cloned',
      'agent',
      agentId,
      JSON.stringify({ clone_id: id, image_digest: opts.image }),
    ]);
    return id;
  });
}

export async function getAgent(ctx: PlatformContext, agentId: string): Promise<Agent | null> {
  requireUuid(agentId, 'agent');
  return serviceTx(ctx, ctx.accounts, async (c) => {
    const r = (
      await c.query(
        `SELECT a.*, (SELECT p.state FROM agent_state_periods p WHERE p.agent_id = a.id ORDER BY lower(p.period) DESC LIMIT 1) AS state
         FROM agents a WHERE a.id = $1`,
        [agentId],
      )
    ).rows[0];
    if (!r) return null;
    return {
      id: r.id,
      accountId: r.account_id,
      region: r.region,
      name: r.name,
      imageDigest: r.image_digest,
      env: r.env,
      platformVersion: r.platform_version,
      serverId: r.server_id,
      tunnelId: r.tunnel_id,
      diskId: r.disk_id,
      state: r.state,
      clonedFrom: r.cloned_from,
      provisionedAt: r.provisioned_at,
    };
  });
}

export interface StateChange {
  agentId: string;
  state: 'running' | 'paused';
  at: Date;
}

/**
 * Many starts and stops in one round trip (imports, replays, the demo). Each change
 * runs the same agent_set_state as startAgent / stopAgent, in order, in one
 * transaction: a refusal rolls back the whole batch.
 */
export async function applyStateChanges(ctx: PlatformContext, changes: StateChange[]): Promise<void> {
  if (!changes.length) return;
  for (const ch of changes) {
    requireUuid(ch.agentId, 'agent');
    if (ch.state !== 'running' && ch.state !== 'paused') throw new PlatformError('invalid_state', `unknown state "${ch.state}"`);
    if (!(ch.at instanceof Date) || Number.isNaN(ch.at.getTime())) throw new PlatformError('invalid_time', `agent ${ch.agentId}: invalid time`);
  }
  await serviceTx(ctx, ctx.accounts, async (client) => {
    const actor = client.escapeLiteral(ctx.actor);
    // Simple-protocol multi-statement text: values are uuids, two fixed words and ISO times, all quoted by escapeLiteral.
    for (let i = 0; i < changes.length; i += 250) {
      const sql = changes
        .slice(i, i + 250)
        .map((ch) => `SELECT agent_set_state(${client.escapeLiteral(ch.agentId)}, ${client.escapeLiteral(ch.state)}, ${actor}, ${client.escapeLiteral(ch.at.toISOString())});`)
        .join('\n');
      await client.query(sql);
    }
  });
}
