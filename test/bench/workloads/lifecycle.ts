/**
 * The lifecycle workload shared by lifecycle-throughput and lifecycle-throughput-tls:
 * `clients` concurrent clients doing random lifecycle operations (start, stop, transfer,
 * clone, destroy + re-provision) on 20 agents through the platform's services for a fixed
 * time, from a seeded generator. Refusals the services are meant to give (invalid state,
 * same account) count as refused; any other error escaping to a caller fails the run, and
 * the audit chain must verify afterwards.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import type { Database } from '../../../platform/db/index.ts';

export const LIFECYCLE_CLIENTS = 8;
export const LIFECYCLE_AGENTS = 20;
export const LIFECYCLE_SEED = 8;
const REFUSALS = ['invalid_state', 'same_account', 'agent_not_found'];

export interface LifecycleRun {
  operations: number;
  /** Seconds from the first operation to the last client's end. */
  elapsed: number;
  latencies: number[];
  ok: number;
  refused: number;
}

/**
 * Sets up 3 accounts and 20 agents in `db` (untimed), then runs the workload for `seconds`
 * on a pool of its own opened on `url` (the app role's URL: TLS or not is the caller's
 * choice), and verifies the audit chain. The pool is opened inside the timed part, so its
 * connections' set-up (the TLS handshake included) counts, as it does for the platform.
 */
export async function runLifecycle(db: Database, opts: { url: string; seconds: number; clients?: number; seed?: number }): Promise<LifecycleRun> {
  const clients = opts.clients ?? LIFECYCLE_CLIENTS;
  const [services, agents, { PlatformError }, { seededRandom }, { verifyChain }] = await Promise.all([
    import('../../../platform/services.ts'),
    import('../../../platform/agents/service.ts'),
    import('../../../platform/kernel/errors.ts'),
    import('../../../platform/demo/prng.ts'),
    import('../../../platform/audit/verify.ts'),
  ]);
  await services.syncRegions(db.pool('owner'));
  const setup = services.platformContext(db.pool('app'), { actor: 'system:bench' });
  const accounts: string[] = [];
  for (const name of ['bench one', 'bench two', 'bench three']) accounts.push(await services.createAccount(setup, { name }));
  const sctx = services.platformContext(db.pool('app'), { actor: 'system:bench', accounts });
  const slots: string[] = [];
  for (let i = 0; i < LIFECYCLE_AGENTS; i++) slots.push(await agents.provisionAgent(sctx, { accountId: accounts[i % 3], region: i % 2 ? 'eu' : 'us', name: `bench-${i}` }));

  const rand = seededRandom(opts.seed ?? LIFECYCLE_SEED);
  const latencies: number[] = [];
  const outcomes = { ok: 0, refused: 0 };
  const escaped: string[] = [];
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  const app = new pg.Pool({ connectionString: opts.url, max: clients });
  app.on('error', () => {});
  const pctx = services.platformContext(app, { actor: 'system:bench', accounts });
  async function client() {
    while (performance.now() < deadline) {
      const slot = Math.floor(rand() * LIFECYCLE_AGENTS);
      const id = slots[slot];
      const roll = rand();
      const s = performance.now();
      try {
        if (roll < 0.35) await agents.startAgent(pctx, id);
        else if (roll < 0.7) await agents.stopAgent(pctx, id);
        else if (roll < 0.93) await agents.transferAgent(pctx, id, accounts[Math.floor(rand() * 3)]);
        else if (roll < 0.96) await agents.cloneAgent(pctx, id, { image: 'sha256:' + 'e'.repeat(64) });
        else {
          await agents.destroyAgent(pctx, id);
          slots[slot] = await agents.provisionAgent(pctx, { accountId: accounts[slot % 3], region: 'eu', name: `bench-r${slot}` });
        }
        outcomes.ok++;
      } catch (e) {
        if (e instanceof PlatformError && REFUSALS.includes(e.code)) outcomes.refused++;
        else escaped.push((e as Error).message);
      }
      latencies.push(performance.now() - s);
    }
  }
  let elapsed: number;
  try {
    await Promise.all(Array.from({ length: clients }, client));
    elapsed = (performance.now() - t0) / 1000;
  } finally {
    await app.end();
  }
  if (escaped.length) throw new Error(`${escaped.length} operation(s) failed with an error escaping to the caller, first: ${escaped[0]}`);
  const reader = await db.pool('reader').connect();
  try {
    const v = await verifyChain(reader, { from: 'genesis', ownTransaction: true });
    if (!v.ok) throw new Error(`the audit chain broke under concurrent lifecycle operations: ${v.firstBroken?.reason}`);
  } finally {
    reader.release();
  }
  return { operations: latencies.length, elapsed, latencies, ...outcomes };
}
