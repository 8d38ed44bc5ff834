/**
 * `trust demo --bulk`: the core demo's data (accounts; agents with their servers, tunnels,
 * disks, firewalls, secrets, state periods and daily usage; VMs with firewalls and their
 * recorded cloud-init; the provider's operations; the hash-chained audit events) written with
 * COPY instead of through the services, in seconds instead of minutes. The same choices as
 * run.ts (same PRNG draws, so the same accounts, agents, transfers, clones and destroys for a
 * seed), and every row as the SQL functions of migrations 0004-0006 and 0400 would leave it.
 * Core II (identity, OAuth, metering, tools, privacy) then runs through its services, as in run.ts.
 *
 * How the guards are handled (the bulk-load mode):
 * - It needs the superuser connection (DATABASE_URL) and an empty platform: no account, no
 *   audit event, chain head at 0. Anything else is refused (a bulk load next to live data
 *   could not keep the chain's order).
 * - Each table is loaded on its own superuser session with `SET LOCAL session_replication_role
 *   = replica`, for its one transaction. That skips the triggers enabled the default way ('O'):
 *   the chain trigger (whose work is done here, in Node, with platform/audit/chain-line.ts) and
 *   the foreign-key triggers (rows are written in an order that satisfies them, and the tests
 *   and the gate check the result). Triggers that refuse (ENABLE ALWAYS, migration 0240: the
 *   secret guard on audit events, the pins) still fire; CHECK, UNIQUE and exclusion
 *   constraints still hold. Nothing in the schema changes and nothing needs switching back:
 *   the setting ends with the transaction, and no other session ever runs without a trigger.
 * - Every table's COPY runs in its own transaction; all commit only when all succeeded (else all
 *   roll back). The chain head is written in the audit events' transaction.
 * - After commit, the whole chain is verified (in parallel, as `trust audit verify --full`);
 *   only then are checkpoints signed, at the heads the services demo would have signed.
 */
import { once } from 'node:events';
import os from 'node:os';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { platformContext, syncRegions } from '../services.ts';
import { REGIONS } from '../config/regions.ts';
import { CURRENT_AGENT_IMAGE, CURRENT_PLATFORM_VERSION } from '../agents/service.ts';
import { DEFAULT_VM_IMAGE } from '../vms/service.ts';
import { renderCloudInit } from '../vms/cloud-init.ts';
import { GENERATED_SECRETS } from '../secrets/agent-secrets.ts';
import { sealColumn } from '../crypto/column-cipher.ts';
import { defaultKeyring } from '../crypto/keyring.ts';
import { ChainWriter, copyField, jsonbText, type JsonValue } from '../audit/chain-line.ts';
import { GENESIS_HASH, verifyChain } from '../audit/verify.ts';
import { createCheckpoint } from '../audit/checkpoint.ts';
import { loadSigningKey, signCheckpoint } from '../audit/keys.ts';
import { withCallerEventTime } from '../audit/clock.ts';
import { withTransaction } from '../db/tx.ts';
import { runBackupJob, runRestoreTestJob } from '../backup/backup.ts';
import { EnvironmentError, InputError } from '../kernel/errors.ts';
import type { FirewallRule } from '../provider/types.ts';
import { seededRandom } from './prng.ts';
import { demoExtensions, type DemoContext } from './extensions.ts';
import { ACCOUNTS_PER_SCALE, AGENTS_PER_ACCOUNT, CYCLES_PER_AGENT, DEMO_START, HOUR, NEW_IMAGE, OLD_IMAGE, checkpointEvery, uuidFrom, type DemoOptions, type DemoSummary } from './run.ts';

const DAY = 86_400_000;
const DISK_GB = 40; // agents/service.ts DEFAULT_DISK_GB
const PROVIDER = 'local';
const ACTOR = 'system:demo';

/** The tables written, in COPY column order (identity ids and defaults are left to the database). */
const TABLES = {
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
type Table = keyof typeof TABLES;
/**
 * Periods are the one table whose COPY costs more than its generation: each row is checked
 * against the exclusion constraint (agent_id WITH =, period WITH &&) through its GiST
 * index, about 65 us a row. Two sessions share that work (an agent's periods stay on one).
 */
const PERIOD_LANES = 2;

const iso = (ms: number) => new Date(ms).toISOString();
/** Integer milliseconds as exact decimal seconds (numeric columns). */
const seconds = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
const row = (fields: (string | number | null)[]) => fields.map((f) => (typeof f === 'number' ? String(f) : copyField(f))).join('\t') + '\n';

/** One table's COPY on its own session, buffered, with backpressure. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  rows = 0;
  constructor(readonly stream: Writable, private readonly failed: Promise<never>) {}
  push(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    this.rows++;
  }
  async flush(force = false): Promise<void> {
    if (!this.size || (!force && this.size < 1 << 17)) return;
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (!ok) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }
}

interface AccountPlan { index: number; id: string; name: string }

interface Gen {
  sink: Record<Table, Sink>;
  periodLanes: Sink[];
  agents: number;
  chain: ChainWriter;
  keyring: ReturnType<typeof defaultKeyring>;
  deliveredAt: string;
  location: Record<string, string>;
}

/** An audit event, chained here (the trigger is off for this session). */
function event(g: Gen, at: number, accountId: string | null, action: string, subjectType: string, subjectId: string, details: Record<string, JsonValue>): void {
  const d = jsonbText(details);
  const e = g.chain.next({ occurredAt: at, accountId, actor: ACTOR, action, subjectType, subjectId, details: d });
  g.sink.audit_events.push(`${e.line}\t\\\\x${e.prev.toString('hex')}\t\\\\x${e.hash.toString('hex')}\n`);
}

function providerOp(g: Gen, accountId: string, operation: string, resourceId: string, ref: string, request: object, at: number): void {
  g.sink.provider_operations.push(row([accountId, PROVIDER, operation, resourceId, ref, JSON.stringify(request), iso(at)]));
}

/** An agent's history as agent_switch_period and book_closed_period write it. */
class AgentHistory {
  private open: { account: string; state: string; from: number } | null = null;
  /** account|day -> [running ms, paused ms] */
  private usage = new Map<string, [number, number]>();
  private readonly periods: Sink;
  constructor(readonly id: string, private readonly g: Gen) {
    this.periods = g.periodLanes[g.agents++ % g.periodLanes.length];
  }
  get state(): string | undefined { return this.open?.state; }
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

interface LiveAgent { id: string; account: string; region: string; image: string; name: string; env: string; serverId: string; tunnelId: string; diskId: string; clonedFrom: string | null; at: number; history: AgentHistory }

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
    region: a.region, image_digest: a.image, platform_version: CURRENT_PLATFORM_VERSION, server_id: serverId,
    tunnel_id: tunnelId, disk_id: diskId, cloned_from: a.clonedFrom, env_sha256: createHash('sha256').update(a.env).digest('hex'),
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
    s.agent_secrets.push(row([id, a.id, a.account, name, sealColumn(g.keyring, { table: 'agent_secrets', column: 'ciphertext', rowId: id, owner }, randomBytes(32).toString('base64url')), g.deliveredAt]));
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
function account(g: Gen, plan: AccountPlan, plans: AccountPlan[], rand: () => number, live: DemoContext['agents'], summary: DemoSummary): number {
  const agents = Array.from({ length: AGENTS_PER_ACCOUNT }, (_, k) => ({
    id: uuidFrom(rand), k, region: rand() < 0.5 ? 'us' : 'eu',
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
    const a = provision(g, { id: p.id, account: plan.id, region: p.region, name: `agent-${plan.index + 1}-${p.k + 1}`, image: p.image ?? CURRENT_AGENT_IMAGE, env, clonedFrom: null, at: Math.trunc(t) });
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
  // No SSH key exists yet when the core demo provisions VMs (core II adds them later).
  const userData = renderCloudInit({ sshKeys: [], inbound });
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

/** Refuses anything but the superuser connection on an empty platform; true when this seed's data is already there. */
async function preflight(admin: pg.Client, firstAccount: string): Promise<boolean> {
  const r = await admin.query<{ su: boolean; accounts: string; first: boolean; events: boolean; head: string }>(`
    SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
           (SELECT count(*) FROM accounts) AS accounts, EXISTS (SELECT 1 FROM accounts WHERE id = $1) AS first,
           EXISTS (SELECT 1 FROM audit_events) AS events, (SELECT seq FROM event_chain_head) AS head`, [firstAccount]);
  const s = r.rows[0];
  if (!s.su) throw new EnvironmentError('trust demo --bulk loads with COPY as a superuser (DATABASE_URL must be one); use trust demo without --bulk otherwise');
  if (s.first) return true;
  if (Number(s.accounts) > 0 || s.events || Number(s.head) !== 0) {
    throw new InputError('trust demo --bulk needs an empty platform (no account, no audit event); use a fresh database, or trust demo without --bulk to add to this one');
  }
  return false;
}

/**
 * Builds the demo with COPY. Same summary as runDemo. Scale 100 (10,000 agents, over a
 * million events) takes well under two minutes on two cores.
 */
export async function runBulkDemo(db: Database, opts: DemoOptions): Promise<DemoSummary> {
  const began = Date.now();
  await migrate(db);
  await syncRegions(db.pool('owner'));
  const root = seededRandom(opts.seed * 7919 + opts.scale);
  const plans: AccountPlan[] = Array.from({ length: ACCOUNTS_PER_SCALE * opts.scale }, (_, i) => ({ index: i, id: uuidFrom(root), name: `Demo account ${i + 1}` }));
  const summary: DemoSummary = { skipped: false, accounts: plans.length, agents: 0, liveAgents: 0, vms: 0, transfers: 0, clones: 0, destroys: 0, lifecycleOperations: 0, auditEvents: 0, checkpoints: 0, seconds: 0 };

  const tables = Object.keys(TABLES) as Table[];
  // One session per table, and more for the periods: [table, lane] per session.
  const sessions: [Table, number][] = tables.flatMap((t) => Array.from({ length: t === 'agent_state_periods' ? PERIOD_LANES : 1 }, (_, i) => [t, i] as [Table, number]));
  const clients = sessions.map(() => new pg.Client({ connectionString: db.adminUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  const live: DemoContext['agents'] = [];
  const heads: { seq: number; hash: string }[] = [];
  try {
    if (await preflight(clients[0], plans[0].id)) {
      opts.log(`demo data for seed ${opts.seed} at scale ${opts.scale} is already present; nothing added`);
      return { ...summary, skipped: true, seconds: (Date.now() - began) / 1000 };
    }
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => { fail = reject; });
    failed.catch(() => {});
    const sinks = {} as Record<Table, Sink>;
    const lanes: Sink[] = [];
    const done: Promise<unknown>[] = [];
    const finished: Partial<Record<Table, number>> = {};
    for (const [i, [t, lane]] of sessions.entries()) {
      const c = clients[i];
      await c.query('BEGIN');
      // The bulk-load mode, for this transaction only (see the top of this file).
      await c.query(`SET LOCAL session_replication_role = replica`);
      await c.query(`SET LOCAL synchronous_commit = off`);
      const stream = c.query(copyFrom(`COPY ${TABLES[t]} FROM STDIN`));
      stream.on('error', (e) => fail(new Error(`COPY ${t}: ${(e as Error).message}`)));
      done.push(new Promise((resolve) => stream.on('finish', resolve)).then(() => { finished[t] = Date.now() - began; }));
      lanes.push(new Sink(stream, failed));
      if (lane === 0) sinks[t] = lanes[lanes.length - 1];
    }
    const g: Gen = {
      sink: sinks, periodLanes: lanes.filter((_, i) => sessions[i][0] === 'agent_state_periods'), agents: 0, chain: new ChainWriter(0, GENESIS_HASH), keyring: defaultKeyring(), deliveredAt: new Date().toISOString(),
      location: Object.fromEntries(REGIONS.map((r) => [r.id, r.location])),
    };
    const every = checkpointEvery(opts.scale);
    let since = 0;
    for (const p of plans) sinks.accounts.push(row([p.id, p.name, iso(DEMO_START.getTime())]));
    for (const plan of plans) {
      const rand = seededRandom(opts.seed * 1_000_003 + plan.index);
      since += account(g, plan, plans, rand, live, summary);
      if (since >= every) {
        since = 0;
        heads.push({ seq: g.chain.seq, hash: g.chain.hash.toString('hex') });
      }
      for (const l of lanes) await l.flush();
      opts.progress?.(plan.index + 1, plans.length);
    }
    for (const l of lanes) await l.flush(true);
    for (const l of lanes) l.stream.end();
    const generated = Date.now() - began;
    await Promise.race([Promise.all(done), failed]);
    // Where the time went: generation (Node) against each table's COPY (the server).
    opts.log(`bulk: generated in ${(generated / 1000).toFixed(1)}s; COPY done at ` +
      Object.entries(finished).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)}s`).join(', '));
    const audit = clients[sessions.findIndex(([t]) => t === 'audit_events')];
    // The head the chain trigger would have stored at commit, in the events' own transaction.
    await audit.query(`UPDATE event_chain_head SET seq = $1, hash = decode($2, 'hex') WHERE singleton`, [g.chain.seq, g.chain.hash.toString('hex')]);
    for (const c of clients) await c.query('COMMIT');
    summary.auditEvents = g.chain.seq;
    opts.log(`bulk: ${g.chain.seq} audit events and ${g.periodLanes.reduce((n, l) => n + l.rows, 0)} periods loaded in ${((Date.now() - began) / 1000).toFixed(1)}s`);
  } catch (e) {
    await Promise.all(clients.map((c) => c.query('ROLLBACK').catch(() => {})));
    throw e;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }

  // Fresh statistics and visibility for the planner and index-only scans, as autovacuum would leave them.
  await vacuumAnalyze(db.adminUrl, ['audit_events', 'agent_state_periods', 'agent_usage_daily', 'provider_operations', 'agents', 'servers', 'tunnels', 'disks', 'firewalls', 'firewall_rules', 'agent_secrets', 'vms', 'accounts']);

  const at = (what: string) => opts.log(`bulk: ${what} at ${((Date.now() - began) / 1000).toFixed(1)}s`);
  at('vacuum and analyze done');
  // Sign only what verifies: the whole chain, from genesis, spread over the cores.
  const key = loadSigningKey(opts.log);
  const reader = await db.pool('reader').connect();
  let verified;
  try {
    verified = await verifyChain(reader, { from: 'genesis', ownTransaction: true, trustedKeys: [key.publicKey], workers: { connectionString: db.url('reader'), count: Math.max(1, os.availableParallelism() - 1) } });
  } finally {
    reader.release();
  }
  if (!verified.ok) throw new Error(`bulk demo: the loaded chain does not verify at ${verified.firstBroken?.seq}: ${verified.firstBroken?.reason}`);
  await withTransaction(db.pool('owner'), {}, async (c) => {
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const h of heads) {
      await c.query(`INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5)`,
        [h.seq, h.hash, key.keyId, pem, signCheckpoint(key, h.seq, h.hash)]);
    }
  });
  summary.checkpoints += heads.length;
  at(`chain verified and ${heads.length} checkpoints signed`);

  // Core II through its services, with the chain trigger on, as run.ts does.
  const app = db.pool('app');
  await withCallerEventTime(db.pool('owner'), async () => {
    const ctx: DemoContext = {
      db, pools: { owner: db.pool('owner'), app, reader: db.pool('reader') }, rand: root, log: opts.log, scale: opts.scale,
      accounts: plans.map((p) => p.id), agents: live, platform: platformContext(app, { actor: ACTOR, accounts: plans.map((p) => p.id) }), start: DEMO_START, bulk: true,
    };
    for (const ext of demoExtensions) await ext(ctx);
  });
  at('core II done');
  if (await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)) summary.checkpoints++;
  // As run.ts: the platform's backup job and its restore test, so the gate has a backup to judge.
  await runBackupJob(db);
  await runRestoreTestJob(db);
  at('backup and restore test done');
  summary.liveAgents = live.length;
  summary.auditEvents = Number((await db.pool('reader').query('SELECT count(*) AS n FROM audit_events')).rows[0].n);
  summary.seconds = (Date.now() - began) / 1000;
  return summary;
}

/** VACUUM ANALYZE, two tables at a time (two cores). */
async function vacuumAnalyze(adminUrl: string, tables: string[]): Promise<void> {
  const queue = [...tables];
  await Promise.all([0, 1].map(async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      for (let t = queue.shift(); t; t = queue.shift()) await c.query(`VACUUM (ANALYZE) ${t}`);
    } finally {
      await c.end();
    }
  }));
}
