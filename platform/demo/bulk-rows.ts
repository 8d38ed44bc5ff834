/**
 * The rows of `trust demo --bulk` (bulk.ts), generated in Node: for each account, the same
 * PRNG draws in the same order as run.ts runAccount, and every row as the SQL functions of
 * migrations 0004-0006 and 0400 would leave it (agent_provision, agent_switch_period,
 * book_closed_period, agent_transfer, agent_destroy; the provider's operations; the audit
 * events, chained here with platform/audit/chain-line.ts since the trigger is off). Rows go
 * to one sink per table, in each table's COPY column order (TABLES).
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { CURRENT_AGENT_IMAGE, CURRENT_PLATFORM_VERSION } from '../agents/service.ts';
import { DEFAULT_VM_IMAGE } from '../vms/service.ts';
import { renderCloudInit } from '../vms/cloud-init.ts';
import { GENERATED_SECRETS } from '../secrets/agent-secrets.ts';
import { sealColumn } from '../crypto/column-cipher.ts';
import type { defaultKeyring } from '../crypto/keyring.ts';
import { copyField, jsonbText, type ChainWriter, type JsonValue } from '../audit/chain-line.ts';
import type { FirewallRule } from '../provider/types.ts';
import type { DemoContext } from './extensions.ts';
import { AGENTS_PER_ACCOUNT, CYCLES_PER_AGENT, DEMO_START, HOUR, NEW_IMAGE, OLD_IMAGE, uuidFrom, type DemoSummary } from './run.ts';

const DAY = 86_400_000;
const DISK_GB = 40; // agents/service.ts DEFAULT_DISK_GB
const PROVIDER = 'local';
export const ACTOR = 'system:demo';

/** The tables written, in COPY column order (identity ids and defaults are left to the database). */
export const TABLES = {
  accounts: 'accounts (id, name, created_at)',
  servers: 'servers (id, account_id, region, kind, provider, provider_ref, created_at)',
  firewalls: 'firewalls (server_id, server_kind, account_id)',
  firewall_rules: 'firewall_rules (server_id, server_kind, account_id, direction, protocol, port_from, port_to, source)',
  tunnels: 'tunnels (id, account_id, region, provider, provider_ref, created_at)',
  disks: 'disks (id, account_id, region, provider, provider_ref, size_gb, created_at)',
  agents: 'agents (id, account_id, region, name, image_digest, env, platform_version, server_id, tunnel_id, disk_id, cloned_from, provisioned_at)',
  agent_secrets: 'agent_secrets (id, agent_id, account_id, name, ciphertext, delivered_at)',
  agent_state_periods: 'agent_state_periods (agent_id, account_id, state, period)',
  agent_usage_daily: 'agent_usage_daily (agent_id, account_id, day, running_seconds, paused_seconds)',
  vms: 'vms (id, account_id, region, name, image, server_id, provisioned_at)',
  provider_operations: 'provider_operations (account_id, provider, operation, resource_id, provider_ref, request, requested_at)',
  audit_events: 'audit_events (seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash)',
} as const;
export type Table = keyof typeof TABLES;

export const iso = (ms: number) => new Date(ms).toISOString();
/** Integer milliseconds as exact decimal seconds (numeric columns). */
const seconds = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
export function row(fields: (string | number | null)[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    line += (i ? '\t' : '') + (typeof f === 'number' ? String(f) : copyField(f));
  }
  return line + '\n';
}

/** Where a table's rows go (bulk.ts: a buffered COPY). */
export interface RowSink {
  rows: number;
  push(line: string): void;
}

import type { AccountPlan } from './run.ts';
export type { AccountPlan };

export interface Gen {
  sink: Record<Table, RowSink>;
  periodLanes: RowSink[];
  agents: number;
  chain: ChainWriter;
  keyring: ReturnType<typeof defaultKeyring>;
  deliveredAt: string;
  location: Record<string, string>;
  /** Cloud-init documents by their inbound rules (JSON). */
  userData: Map<string, string>;
}

/** An audit event, chained here (the trigger is off for this session). */
function event(g: Gen, at: number, accountId: string | null, action: string, subjectType: string, subjectId: string, details: Record<string, JsonValue>): void {
  g.sink.audit_events.push(g.chain.nextRow({ occurredAt: at, accountId, actor: ACTOR, action, subjectType, subjectId, details: jsonbText(details) }));
}

function providerOp(g: Gen, accountId: string, operation: string, resourceId: string, ref: string, request: object, at: number): void {
  g.sink.provider_operations.push(row([accountId, PROVIDER, operation, resourceId, ref, JSON.stringify(request), iso(at)]));
}

/** An agent's history as agent_switch_period and book_closed_period write it. */
class AgentHistory {
  private open: { account: string; state: string; from: number } | null = null;
  /** account|day -> [running ms, paused ms] */
  private usage = new Map<string, [number, number]>();
  private readonly periods: RowSink;
  constructor(
    readonly id: string,
    private readonly g: Gen,
  ) {
    this.periods = g.periodLanes[g.agents++ % g.periodLanes.length];
  }
  get state(): string | undefined {
    return this.open?.state;
  }
  /** Closes the open period at `at` (booking its time per UTC day) and opens `state` for `account`. */
  switch(account: string, state: string | null, at: number): void {
    const o = this.open;
    if (o) {
      if (at <= o.from) throw new Error(`agent ${this.id}: ${iso(at)} is not after ${iso(o.from)}`);
      this.periods.push(row([this.id, o.account, o.state, `[${iso(o.from)},${iso(at)})`]));
      for (let day = Math.floor(o.from / DAY) * DAY; day < at; day += DAY) {
        const ms = Math.min(at, day + DAY) - Math.max(o.from, day);
        const key = `${o.account}|${day}`;
        const u = this.usage.get(key) ?? [0, 0];
        u[o.state === 'running' ? 0 : 1] += ms;
        this.usage.set(key, u);
      }
    }
    this.open = state === null ? null : { account, state, from: at };
  }
  /** Writes the open period (if any) and the usage rows. */
  finish(): void {
    const o = this.open;
    if (o) this.periods.push(row([this.id, o.account, o.state, `[${iso(o.from)},)`]));
    for (const [key, [run, pause]] of this.usage) {
      const [account, day] = key.split('|');
      this.g.sink.agent_usage_daily.push(row([this.id, account, iso(Number(day)).slice(0, 10), seconds(run), seconds(pause)]));
    }
  }
}

interface LiveAgent {
  id: string;
  account: string;
  region: string;
  image: string;
  name: string;
  env: string;
  serverId: string;
  tunnelId: string;
  diskId: string;
  clonedFrom: string | null;
  at: number;
  history: AgentHistory;
}

/** provisionInTx + agent_provision (0400) + deliverAgentSecrets. Rows that outlive a destroy are written by the caller. */
function provision(g: Gen, a: { id: string; account: string; region: string; name: string; image: string; env: string; clonedFrom: string | null; at: number }): LiveAgent {
  const serverId = randomUUID();
  const tunnelId = randomUUID();
  const diskId = randomUUID();
  const location = g.location[a.region];
  providerOp(g, a.account, 'create_server', serverId, `local-server-${serverId}`, { location, kind: 'agent', region: a.region }, a.at);
  providerOp(g, a.account, 'create_tunnel', tunnelId, `local-tunnel-${tunnelId}`, { location, server_id: serverId }, a.at);
  providerOp(g, a.account, 'create_disk', diskId, `local-disk-${diskId}`, { location, size_gb: DISK_GB }, a.at);
  providerOp(g, a.account, 'apply_firewall', serverId, `local-server-${serverId}`, { inbound_default: 'deny', inbound: [] }, a.at);
  const history = new AgentHistory(a.id, g);
  history.switch(a.account, 'paused', a.at);
  event(g, a.at, a.account, 'agent.provisioned', 'agent', a.id, {
    region: a.region,
    image_digest: a.image,
    platform_version: CURRENT_PLATFORM_VERSION,
    server_id: serverId,
    tunnel_id: tunnelId,
    disk_id: diskId,
    cloned_from: a.clonedFrom,
    env_sha256: createHash('sha256').update(a.env).digest('hex'),
  });
  return { ...a, serverId, tunnelId, diskId, history };
}

/** The rows of an agent still alive at the end, under its final owner. */
function writeLive(g: Gen, a: LiveAgent): void {
  const s = g.sink;
  s.servers.push(row([a.serverId, a.account, a.region, 'agent', PROVIDER, `local-server-${a.serverId}`, iso(a.at)]));
  s.firewalls.push(row([a.serverId, 'agent', a.account]));
  s.tunnels.push(row([a.tunnelId, a.account, a.region, PROVIDER, `local-tunnel-${a.tunnelId}`, iso(a.at)]));
  s.disks.push(row([a.diskId, a.account, a.region, PROVIDER, `local-disk-${a.diskId}`, DISK_GB, iso(a.at)]));
  s.agents.push(row([a.id, a.account, a.region, a.name, a.image, a.env, CURRENT_PLATFORM_VERSION, a.serverId, a.tunnelId, a.diskId, a.clonedFrom, iso(a.at)]));
  for (const name of GENERATED_SECRETS) {
    const id = randomUUID();
    // Sealed with the keyring as setAgentSecret does: bound to this row and to its owner (the
    // agent's final account, the agent, the name), so the value decrypts only where it is written.
    const owner = { account_id: a.account, agent_id: a.id, name };
    s.agent_secrets.push(
      row([id, a.id, a.account, name, sealColumn(g.keyring, { table: 'agent_secrets', column: 'ciphertext', rowId: id, owner }, randomBytes(32).toString('base64url')), g.deliveredAt]),
    );
  }
}

function setState(g: Gen, a: LiveAgent, state: 'running' | 'paused', at: number): void {
  if (a.history.state === state) throw new Error(`agent ${a.id} is already ${state}`);
  a.history.switch(a.account, state, at);
  event(g, at, a.account, state === 'running' ? 'agent.started' : 'agent.stopped', 'agent', a.id, { image_digest: a.image, platform_version: CURRENT_PLATFORM_VERSION });
}

function rulesJson(rules: FirewallRule[]): { protocol: string; port_from: number; port_to: number; source: string }[] {
  return rules.map((r) => ({ protocol: r.protocol, port_from: r.portFrom, port_to: r.portTo ?? r.portFrom, source: r.source ?? '0.0.0.0/0' }));
}

/** One account's history: the same draws, in the same order, as run.ts runAccount. */
export function account(g: Gen, plan: AccountPlan, plans: AccountPlan[], rand: () => number, live: DemoContext['agents'], summary: DemoSummary): number {
  const agents = Array.from({ length: AGENTS_PER_ACCOUNT }, (_, k) => ({
    id: uuidFrom(rand),
    k,
    region: rand() < 0.5 ? 'us' : 'eu',
    transferAt: rand() < 0.06 ? 5 + Math.floor(rand() * 40) : -1,
    transferTo: plans[Math.floor(rand() * plans.length)].id,
    cloneAt: rand() < 0.04 ? 10 + Math.floor(rand() * 30) : -1,
    destroy: rand() < 0.1,
    image: rand() < 0.3 ? OLD_IMAGE : undefined,
  }));
  for (const a of agents) if (a.transferTo === plan.id) a.transferAt = -1;
  let ops = 0;
  const found: DemoContext['agents'] = [];
  for (const p of agents) {
    let t = DEMO_START.getTime() + rand() * 10 * 24 * HOUR;
    const env = jsonbText({ LOG_LEVEL: 'info', WORKERS: 1 + (p.k % 4) });
    const a = provision(g, {
      id: p.id,
      account: plan.id,
      region: p.region,
      name: `agent-${plan.index + 1}-${p.k + 1}`,
      image: p.image ?? CURRENT_AGENT_IMAGE,
      env,
      clonedFrom: null,
      at: Math.trunc(t),
    });
    summary.agents++;
    for (let c = 0; c < CYCLES_PER_AGENT; c++) {
      t += (1 + rand() * 30) * HOUR;
      setState(g, a, 'running', Math.trunc(t));
      t += (0.5 + rand() * 20) * HOUR;
      if (c === p.transferAt) {
        // agent_transfer: the period goes on in the same state under the new owner, from the same instant.
        const at = Math.trunc(t);
        const from = a.account;
        const state = a.history.state!;
        a.history.switch(p.transferTo, state, at);
        a.account = p.transferTo;
        event(g, at, from, 'agent.transferred', 'agent', a.id, { from_account_id: from, to_account_id: p.transferTo, state });
        summary.transfers++;
        t += 0.25 * HOUR;
        ops++;
      }
      setState(g, a, 'paused', Math.trunc(t));
      ops += 2;
      if (c === p.cloneAt) {
        t += HOUR;
        const id = uuidFrom(rand);
        const at = Math.trunc(t);
        const clone = provision(g, { id, account: a.account, region: a.region, name: `${a.name} (clone)`, image: NEW_IMAGE, env: a.env, clonedFrom: a.id, at });
        event(g, at, a.account, 'agent.cloned', 'agent', a.id, { clone_id: id, image_digest: NEW_IMAGE });
        setState(g, clone, 'running', Math.trunc(t + HOUR));
        clone.history.finish();
        writeLive(g, clone);
        summary.clones++;
        summary.agents++;
        found.push({ id, accountId: clone.account, region: clone.region });
        ops += 2;
      }
    }
    if (p.destroy) {
      // agent_destroy: the open period closes, the agent and its server, tunnel and disk go
      // (the firewall and secrets with them); periods, usage and events stay.
      const at = Math.trunc(t + 2 * HOUR);
      a.history.switch(a.account, null, at);
      event(g, at, a.account, 'agent.destroyed', 'agent', a.id, { region: a.region, image_digest: a.image, server_id: a.serverId });
      providerOp(g, a.account, 'destroy_server', a.serverId, `local-server-${a.serverId}`, {}, at);
      providerOp(g, a.account, 'destroy_tunnel', a.tunnelId, `local-tunnel-${a.tunnelId}`, {}, at);
      providerOp(g, a.account, 'destroy_disk', a.diskId, `local-disk-${a.diskId}`, {}, at);
      a.history.finish();
      summary.destroys++;
      ops++;
    } else {
      a.history.finish();
      writeLive(g, a);
      found.push({ id: a.id, accountId: a.account, region: a.region });
    }
  }
  // Plain VMs live in the EU region only (the US region does not host them).
  const vmId = uuidFrom(rand);
  const inbound: FirewallRule[] = [{ protocol: 'tcp', portFrom: 443 }];
  if (rand() < 0.5) inbound.push({ protocol: 'tcp', portFrom: 22, source: '203.0.113.0/24' });
  const vmAt = Math.trunc(DEMO_START.getTime() + rand() * 20 * 24 * HOUR);
  const serverId = randomUUID();
  const ref = `local-server-${serverId}`;
  // No SSH key exists yet when the core demo provisions VMs (core II adds them later). The
  // document depends on the rules alone (renderCloudInit is deterministic): rendered once per set.
  const rulesKey = JSON.stringify(inbound);
  const userData = g.userData.get(rulesKey) ?? g.userData.set(rulesKey, renderCloudInit({ sshKeys: [], inbound })).get(rulesKey)!;
  providerOp(g, plan.id, 'create_server', serverId, ref, { location: g.location.eu, kind: 'vm', region: 'eu', user_data: userData }, vmAt);
  providerOp(g, plan.id, 'apply_firewall', serverId, ref, { inbound_default: 'deny', inbound }, vmAt);
  event(g, vmAt, plan.id, 'vm.provisioned', 'vm', vmId, { region: 'eu', image: DEFAULT_VM_IMAGE, server_id: serverId, inbound_rules: rulesJson(inbound) as JsonValue });
  summary.vms++;
  let rules = inbound;
  if (rand() < 0.3) {
    rules = [...inbound, { protocol: 'udp', portFrom: 51820 }];
    const at = vmAt + 24 * HOUR;
    event(g, at, plan.id, 'vm.firewall_changed', 'vm', vmId, { server_id: serverId, inbound_rules: rulesJson(rules) as JsonValue });
    providerOp(g, plan.id, 'apply_firewall', serverId, ref, { inbound_default: 'deny', inbound: rules }, at);
  }
  if (rand() < 0.2) {
    const at = vmAt + 48 * HOUR;
    event(g, at, plan.id, 'vm.destroyed', 'vm', vmId, { region: 'eu', server_id: serverId });
    providerOp(g, plan.id, 'destroy_server', serverId, ref, {}, at);
  } else {
    g.sink.servers.push(row([serverId, plan.id, 'eu', 'vm', PROVIDER, ref, iso(vmAt)]));
    g.sink.firewalls.push(row([serverId, 'vm', plan.id]));
    for (const r of rulesJson(rules)) g.sink.firewall_rules.push(row([serverId, 'vm', plan.id, 'inbound', r.protocol, r.port_from, r.port_to, r.source]));
    g.sink.vms.push(row([vmId, plan.id, 'eu', `vm-${plan.index + 1}`, DEFAULT_VM_IMAGE, serverId, iso(vmAt)]));
  }
  ops += 3;
  live.push(...found);
  summary.lifecycleOperations += ops;
  return ops;
}
