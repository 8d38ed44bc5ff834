/**
 * lifecycle-throughput: 8 concurrent clients doing random lifecycle operations (start,
 * stop, transfer, clone, destroy + re-provision) on 20 agents through the platform's
 * services for a fixed time. Reports operations per second and p99 latency; there is
 * no reference (goal: report), but an error escaping to a caller fails the benchmark.
 */
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { median, percentile, round } from '../measure.ts';
import { benchName } from '../servers.ts';
import { createPlatformDatabase } from '../workloads/audit.ts';
import type { Benchmark } from '../types.ts';

const CLIENTS = 8;
const AGENTS = 20;
const REFUSALS = ['invalid_state', 'same_account', 'agent_not_found'];

export const lifecycleThroughput: Benchmark = {
  name: 'lifecycle-throughput',
  goal: { kind: 'report' },
  async run(ctx) {
    const server = await ctx.server();
    const seconds = ctx.smoke ? 2 : 15;
    const pdb = await createPlatformDatabase(server, benchName('lifecycle'));
    try {
      const [services, agents, { PlatformError }, { seededRandom }, { verifyChain }] = await Promise.all([
        import('../../../platform/services.ts'),
        import('../../../platform/agents/service.ts'),
        import('../../../platform/kernel/errors.ts'),
        import('../../../platform/demo/prng.ts'),
        import('../../../platform/audit/verify.ts'),
      ]);
      await services.syncRegions(pdb.db.pool('owner'));
      const setup = services.platformContext(pdb.db.pool('app'), { actor: 'system:bench' });
      const accounts: string[] = [];
      for (const name of ['bench one', 'bench two', 'bench three']) accounts.push(await services.createAccount(setup, { name }));
      const app = new pg.Pool({ connectionString: pdb.db.url('app'), max: CLIENTS });
      const pctx = services.platformContext(app, { actor: 'system:bench', accounts });
      const slots: string[] = [];
      for (let i = 0; i < AGENTS; i++) slots.push(await agents.provisionAgent(pctx, { accountId: accounts[i % 3], region: i % 2 ? 'eu' : 'us', name: `bench-${i}` }));
      const rand = seededRandom(8);
      const latencies: number[] = [];
      const outcomes = { ok: 0, refused: 0 };
      const escaped: string[] = [];
      const t0 = performance.now();
      const deadline = t0 + seconds * 1000;
      async function client() {
        while (performance.now() < deadline) {
          const slot = Math.floor(rand() * AGENTS);
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
      await Promise.all(Array.from({ length: CLIENTS }, client));
      const elapsed = (performance.now() - t0) / 1000;
      await app.end();
      if (escaped.length) throw new Error(`${escaped.length} operation(s) failed with an error escaping to the caller, first: ${escaped[0]}`);
      const reader = await pdb.db.pool('reader').connect();
      try {
        const v = await verifyChain(reader, { from: 'genesis', ownTransaction: true });
        if (!v.ok) throw new Error(`the audit chain broke under concurrent lifecycle operations: ${v.firstBroken?.reason}`);
      } finally {
        reader.release();
      }
      const ops = latencies.length;
      const p99 = round(percentile(latencies, 99), 1);
      return {
        ours: { value: round(ops / elapsed, 1), unit: `ops/s, p99 ${p99} ms` },
        reference: null,
        ratio: null,
        details: { clients: CLIENTS, agents: AGENTS, seconds: round(elapsed, 2), operations: ops, ...outcomes, p50Ms: round(median(latencies), 1), p99Ms: p99 },
      };
    } finally {
      await pdb.drop();
    }
  },
};
