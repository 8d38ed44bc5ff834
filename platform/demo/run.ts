/**
 * Fills the platform through its own services: accounts, agents in both regions
 * with months of start/stop history, transfers, clones, destroys, VMs with
 * firewalls, and signed audit checkpoints. Deterministic for a given seed and scale.
 *
 * Scale 1 = 10 accounts, 100 agents, ~10,000 audit events; scale N multiplies it.
 * Each account's history is one transaction (a batch); several workers run batches
 * at once, and the audit chain serializes them at their first event.
 */
import type { Database } from '../db/index.ts';
import { withTransaction } from '../db/tx.ts';
import { migrate } from '../db/migrate.ts';
import { createAccount, platformContext, syncRegions, type PlatformContext } from '../services.ts';
import { applyStateChanges, cloneAgent, destroyAgent, provisionAgent, startAgent, transferAgent, type StateChange } from '../agents/service.ts';
import { destroyVm, provisionVm, setVmFirewall } from '../vms/service.ts';
import { createCheckpoint } from '../audit/checkpoint.ts';
import { withCallerEventTime } from '../audit/clock.ts';
import { runBackupJob, runRestoreTestJob } from '../backup/backup.ts';
import { loadSigningKey } from '../audit/keys.ts';
import type { FirewallRule } from '../provider/types.ts';
import { seededRandom } from './prng.ts';
import { demoExtensions, type DemoContext } from './extensions.ts';

export interface DemoOptions {
  scale: number;
  seed: number;
  workers?: number;
  log: (l: string) => void;
  progress?: (done: number, total: number) => void;
}

export interface DemoSummary {
  skipped: boolean;
  accounts: number;
  agents: number;
  liveAgents: number;
  vms: number;
  transfers: number;
  clones: number;
  destroys: number;
  lifecycleOperations: number;
  auditEvents: number;
  checkpoints: number;
  seconds: number;
}

export const ACCOUNTS_PER_SCALE = 10;
export const AGENTS_PER_ACCOUNT = 10;
export const CYCLES_PER_AGENT = 50; // 50 start/stop pairs: ~100 events per agent, spread over ~2 months
export const HOUR = 3_600_000;
export const DEMO_START = new Date('2026-01-05T00:00:00Z');
export const NEW_IMAGE = 'sha256:' + '9'.repeat(64);
export const OLD_IMAGE = 'sha256:' + '5'.repeat(64);

/** A uuid (v4 layout) drawn from the seeded PRNG, so ids repeat with the seed. */
export function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface AccountPlan {
  index: number;
  id: string;
  name: string;
}

/**
 * The accounts a demo of this seed and scale creates (the services' demo and the bulk one
 * draw the same ids from the same generator), the generator to go on drawing from, and the
 * summary before anything is done.
 */
export function demoAccounts(opts: DemoOptions): { root: () => number; plans: AccountPlan[]; summary: DemoSummary } {
  const root = seededRandom(opts.seed * 7919 + opts.scale);
  const plans: AccountPlan[] = Array.from({ length: ACCOUNTS_PER_SCALE * opts.scale }, (_, i) => ({ index: i, id: uuidFrom(root), name: `Demo account ${i + 1}` }));
  const summary: DemoSummary = {
    skipped: false,
    accounts: plans.length,
    agents: 0,
    liveAgents: 0,
    vms: 0,
    transfers: 0,
    clones: 0,
    destroys: 0,
    lifecycleOperations: 0,
    auditEvents: 0,
    checkpoints: 0,
    seconds: 0,
  };
  return { root, plans, summary };
}

/** Operations between signed checkpoints while seeding (the bulk demo signs at the same heads). */
export function checkpointEvery(scale: number): number {
  return Math.max(20_000, 100_000 * Math.min(1, scale / 10));
}

export async function runDemo(db: Database, opts: DemoOptions): Promise<DemoSummary> {
  await migrate(db);
  // The demo replays a simulated history (DEMO_START onwards): events keep the platform's
  // simulated times while it seeds, and the database's clock dates every event afterwards.
  const summary = await withCallerEventTime(db.pool('owner'), () => seedDemo(db, opts));
  // The platform's backup job and its restore test run like its other jobs, so a demo
  // platform has a backup the gate can judge (database_backups_encrypted).
  await runBackupJob(db);
  await runRestoreTestJob(db);
  return summary;
}

async function seedDemo(db: Database, opts: DemoOptions): Promise<DemoSummary> {
  const began = Date.now();
  await syncRegions(db.pool('owner'));
  const app = db.pool('app');
  const base = platformContext(app, { actor: 'system:demo' });
  const { root, plans, summary } = demoAccounts(opts);

  const already = await withTransaction(app, { accounts: [plans[0].id] }, (c) => c.query('SELECT 1 FROM accounts WHERE id = $1', [plans[0].id]));
  if (already.rowCount) {
    opts.log(`demo data for seed ${opts.seed} at scale ${opts.scale} is already present; nothing added (use --seed to add another set)`);
    return { ...summary, skipped: true, seconds: (Date.now() - began) / 1000 };
  }

  for (const p of plans) await createAccount(base, { id: p.id, name: p.name, at: DEMO_START });
  const key = loadSigningKey(opts.log);
  const live: DemoContext['agents'] = [];
  let done = 0;
  let sinceCheckpoint = 0;
  let checkpointing: Promise<unknown> = Promise.resolve();
  const every = checkpointEvery(opts.scale);

  const queue = [...plans];
  const worker = async () => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      const rand = seededRandom(opts.seed * 1_000_003 + plan.index);
      const ops = await runAccount(base, plan, plans, rand, live, summary);
      done++;
      sinceCheckpoint += ops;
      opts.progress?.(done, plans.length);
      if (sinceCheckpoint >= every) {
        sinceCheckpoint = 0;
        checkpointing = checkpointing.then(() => createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)).then(() => summary.checkpoints++);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers ?? 3 }, worker));
  await checkpointing;
  if (await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)) summary.checkpoints++;

  const ctx: DemoContext = {
    db,
    pools: { owner: db.pool('owner'), app, reader: db.pool('reader') },
    rand: root,
    log: opts.log,
    scale: opts.scale,
    accounts: plans.map((p) => p.id),
    agents: live,
    platform: platformContext(app, { actor: 'system:demo', accounts: plans.map((p) => p.id) }),
    start: DEMO_START,
  };
  for (const ext of demoExtensions) await ext(ctx);
  summary.liveAgents = live.length;
  summary.auditEvents = Number((await db.pool('reader').query('SELECT count(*) AS n FROM audit_events')).rows[0].n);
  summary.seconds = (Date.now() - began) / 1000;
  return summary;
}

/** One account's whole history in one transaction. Returns the number of operations. */
async function runAccount(base: PlatformContext, plan: AccountPlan, plans: AccountPlan[], rand: () => number, live: DemoContext['agents'], summary: DemoSummary): Promise<number> {
  // Decide everything first: the transaction must act for every account an agent is transferred to.
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
  const accounts = [plan.id, ...agents.filter((a) => a.transferAt >= 0).map((a) => a.transferTo)];
  type Counts = Pick<DemoSummary, 'agents' | 'transfers' | 'clones' | 'destroys' | 'vms'>;
  let ops = 0;
  let counts: Counts;
  let found: DemoContext['agents'] = [];
  // Counters are per attempt: withTransaction may retry the batch.
  await withTransaction(base.pool, { accounts }, async (tx) => {
    ops = 0;
    counts = { agents: 0, transfers: 0, clones: 0, destroys: 0, vms: 0 };
    found = [];
    const summary = counts;
    await tx.query('SET LOCAL synchronous_commit = off'); // demo data: a lost tail after a crash is acceptable
    const ctx: PlatformContext = { ...base, accounts, tx };
    // Starts and stops are sent in batches; anything else flushes them first to keep the order.
    let pending: StateChange[] = [];
    const flush = async () => {
      await applyStateChanges(ctx, pending);
      pending = [];
    };
    for (const a of agents) {
      let t = DEMO_START.getTime() + rand() * 10 * 24 * HOUR;
      let owner = plan.id;
      await provisionAgent(ctx, {
        id: a.id,
        accountId: owner,
        region: a.region,
        name: `agent-${plan.index + 1}-${a.k + 1}`,
        image: a.image,
        env: { LOG_LEVEL: 'info', WORKERS: 1 + (a.k % 4) },
        at: new Date(t),
      });
      summary.agents++;
      for (let c = 0; c < CYCLES_PER_AGENT; c++) {
        t += (1 + rand() * 30) * HOUR;
        pending.push({ agentId: a.id, state: 'running', at: new Date(t) });
        t += (0.5 + rand() * 20) * HOUR;
        if (c === a.transferAt) {
          await flush();
          await transferAgent(ctx, a.id, a.transferTo, { at: new Date(t) });
          owner = a.transferTo;
          summary.transfers++;
          t += 0.25 * HOUR;
          ops++;
        }
        pending.push({ agentId: a.id, state: 'paused', at: new Date(t) });
        ops += 2;
        if (c === a.cloneAt) {
          await flush();
          t += HOUR;
          const clone = uuidFrom(rand);
          await cloneAgent(ctx, a.id, { id: clone, image: NEW_IMAGE, at: new Date(t) });
          await startAgent(ctx, clone, { at: new Date(t + HOUR) });
          summary.clones++;
          summary.agents++;
          found.push({ id: clone, accountId: owner, region: a.region });
          ops += 2;
        }
      }
      await flush();
      if (a.destroy) {
        await destroyAgent(ctx, a.id, { at: new Date(t + 2 * HOUR) });
        summary.destroys++;
        ops++;
      } else {
        found.push({ id: a.id, accountId: owner, region: a.region });
      }
    }
    // Plain VMs live in the EU region only (the US region does not host them).
    const vmId = uuidFrom(rand);
    const inbound: FirewallRule[] = [{ protocol: 'tcp', portFrom: 443 }];
    if (rand() < 0.5) inbound.push({ protocol: 'tcp', portFrom: 22, source: '203.0.113.0/24' });
    const vmAt = DEMO_START.getTime() + rand() * 20 * 24 * HOUR;
    await provisionVm(ctx, { id: vmId, accountId: plan.id, region: 'eu', name: `vm-${plan.index + 1}`, inbound, at: new Date(vmAt) });
    summary.vms++;
    if (rand() < 0.3) await setVmFirewall(ctx, vmId, [...inbound, { protocol: 'udp', portFrom: 51820 }], { at: new Date(vmAt + 24 * HOUR) });
    if (rand() < 0.2) await destroyVm(ctx, vmId, { at: new Date(vmAt + 48 * HOUR) });
    ops += 3;
  });
  live.push(...found);
  for (const k of Object.keys(counts!) as (keyof Counts)[]) summary[k] += counts![k];
  summary.lifecycleOperations += ops;
  return ops;
}
