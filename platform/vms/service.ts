/**
 * Plain VMs: one dedicated server each and a firewall that denies inbound traffic
 * except the ports listed. Provision, change the firewall, destroy; each is one
 * transaction with its audit event (SQL functions in migration 0006).
 */
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../kernel/errors.ts';
import { findRegion } from '../config/regions.ts';
import type { FirewallRule } from '../provider/types.ts';
import { renderCloudInit } from './cloud-init.ts';
import { serviceTx, requireUuid, timeOf, type PlatformContext } from '../services.ts';

export const DEFAULT_VM_IMAGE = 'debian-12';

export interface ProvisionVmInput {
  accountId: string;
  region: string;
  name: string;
  image?: string;
  /** Inbound ports to open; everything else stays denied. */
  inbound?: FirewallRule[];
  at?: Date;
  id?: string;
}

function checkRules(rules: FirewallRule[]): void {
  for (const [i, r] of rules.entries()) {
    const to = r.portTo ?? r.portFrom;
    if (r.protocol !== 'tcp' && r.protocol !== 'udp') throw new PlatformError('invalid_firewall_rule', `rule ${i}: protocol must be tcp or udp`);
    if (!Number.isInteger(r.portFrom) || !Number.isInteger(to) || r.portFrom < 1 || to > 65535 || r.portFrom > to) {
      throw new PlatformError('invalid_firewall_rule', `rule ${i}: ports must be 1-65535 with port_from <= port_to`);
    }
  }
}

function rulesJson(rules: FirewallRule[]): string {
  return JSON.stringify(rules.map((r) => ({ protocol: r.protocol, port_from: r.portFrom, port_to: r.portTo ?? r.portFrom, source: r.source ?? '0.0.0.0/0' })));
}

export async function provisionVm(ctx: PlatformContext, input: ProvisionVmInput): Promise<string> {
  requireUuid(input.accountId, 'account');
  const region = findRegion(input.region);
  if (!region) throw new PlatformError('unknown_region', `unknown region "${input.region}"`);
  if (!region.products.includes('vm')) throw new PlatformError('product_not_hosted', `region "${input.region}" does not host VMs`);
  const inbound = input.inbound ?? [];
  checkRules(inbound);
  const id = input.id ?? randomUUID();
  return serviceTx(ctx, [...ctx.accounts, input.accountId], async (client) => {
    const at = timeOf(ctx, input.at) ?? new Date((await client.query('SELECT clock_timestamp() AS t')).rows[0].t);
    const call = { client, accountId: input.accountId, at };
    const serverId = randomUUID();
    // One boot document per VM from the one template: the account's SSH keys and the declared ports.
    const keys = await client.query<{ public_key: string }>('SELECT public_key FROM ssh_public_keys WHERE account_id = $1 ORDER BY created_at, id', [input.accountId]);
    const userData = renderCloudInit({ sshKeys: keys.rows.map((k) => k.public_key), inbound });
    const serverRef = await ctx.provider.createServer(call, { id: serverId, region: region.id, location: region.location, kind: 'vm', userData });
    await ctx.provider.applyFirewall(call, { serverId, serverRef, inbound });
    await client.query('SELECT vm_provision($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      id,
      input.accountId,
      region.id,
      input.name,
      input.image ?? DEFAULT_VM_IMAGE,
      ctx.provider.name,
      serverId,
      serverRef,
      rulesJson(inbound),
      ctx.actor,
      at,
    ]);
    return id;
  });
}

/** Replaces the VM's inbound allow-list (an empty list closes every port). */
export async function setVmFirewall(ctx: PlatformContext, vmId: string, inbound: FirewallRule[], opts: { at?: Date } = {}): Promise<void> {
  requireUuid(vmId, 'vm');
  checkRules(inbound);
  await serviceTx(ctx, ctx.accounts, async (client) => {
    const serverId = (await client.query('SELECT vm_set_firewall($1, $2, $3, $4) AS s', [vmId, rulesJson(inbound), ctx.actor, timeOf(ctx, opts.at)])).rows[0].s;
    const server = (await client.query('SELECT provider_ref, account_id FROM servers WHERE id = $1', [serverId])).rows[0];
    await ctx.provider.applyFirewall({ client, accountId: server.account_id, at: opts.at ?? new Date() }, { serverId, serverRef: server.provider_ref, inbound });
  });
}

export async function destroyVm(ctx: PlatformContext, vmId: string, opts: { at?: Date } = {}): Promise<Date> {
  requireUuid(vmId, 'vm');
  return serviceTx(ctx, ctx.accounts, async (client) => {
    const r = (await client.query('SELECT * FROM vm_destroy($1, $2, $3)', [vmId, ctx.actor, timeOf(ctx, opts.at)])).rows[0];
    await ctx.provider.destroyServer({ client, accountId: r.account_id, at: r.destroyed_at }, r.server_id, r.server_ref);
    return r.destroyed_at;
  });
}
