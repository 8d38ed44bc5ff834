/**
 * lifecycle-throughput: 8 concurrent clients doing random lifecycle operations (start,
 * stop, transfer, clone, destroy + re-provision) on 20 agents through the platform's
 * services for a fixed time (workloads/lifecycle.ts). Reports operations per second and
 * p99 latency; there is no reference (goal: report), but an error escaping to a caller
 * fails the benchmark. lifecycle-throughput-tls runs the same workload with and without TLS.
 */
import { median, percentile, round } from '../measure.ts';
import { benchName } from '../servers.ts';
import { createPlatformDatabase } from '../workloads/audit.ts';
import { LIFECYCLE_AGENTS, LIFECYCLE_CLIENTS, runLifecycle } from '../workloads/lifecycle.ts';
import type { Benchmark } from '../types.ts';

export const lifecycleThroughput: Benchmark = {
  name: 'lifecycle-throughput',
  goal: { kind: 'report' },
  async run(ctx) {
    const server = await ctx.server();
    const seconds = ctx.smoke ? 2 : 15;
    const pdb = await createPlatformDatabase(server, benchName('lifecycle'));
    try {
      const r = await runLifecycle(pdb.db, { url: pdb.db.url('app'), seconds });
      const p99 = round(percentile(r.latencies, 99), 1);
      return {
        ours: { value: round(r.operations / r.elapsed, 1), unit: `ops/s, p99 ${p99} ms` },
        reference: null,
        ratio: null,
        details: {
          clients: LIFECYCLE_CLIENTS,
          agents: LIFECYCLE_AGENTS,
          seconds: round(r.elapsed, 2),
          operations: r.operations,
          ok: r.ok,
          refused: r.refused,
          p50Ms: round(median(r.latencies), 1),
          p99Ms: p99,
        },
      };
    } finally {
      await pdb.drop();
    }
  },
};
