/**
 * query-count: the schema collector must send the same number of queries for 10 and
 * for 1,000 tables (catalog-wide queries, never one per table). Counted by the
 * collector runner's counting `sql`, on the platform's server.
 */
import { benchName } from '../servers.ts';
import { createTables } from '../workloads/tables.ts';
import { collectSchemaOnce } from '../workloads/schema-collector.ts';
import type { Benchmark } from '../types.ts';

export const queryCount: Benchmark = {
  name: 'query-count',
  goal: { kind: 'equal' },
  async run(ctx) {
    const server = await ctx.server();
    const { bootstrapRoles } = await import('../../../platform/db/roles.ts');
    const sizes = [10, ctx.smoke ? 20 : 1000];
    const counts: number[] = [];
    for (const n of sizes) {
      const name = benchName(`tables${n}`);
      const url = await server.createDatabase(name);
      try {
        await bootstrapRoles(url);
        await createTables(url, n);
        const r = await collectSchemaOnce(url, ctx.root);
        if (r.tables < n) throw new Error(`the schema collector saw ${r.tables} tables, expected ${n}`);
        counts.push(r.queries);
      } finally {
        await server.dropDatabase(name);
      }
    }
    return {
      ours: { value: counts[1], unit: `queries (${sizes[1]} tables)` },
      reference: { name: `same collector on ${sizes[0]} tables`, value: counts[0], unit: 'queries' },
      ratio: counts[1] / counts[0],
      details: { server: `PostgreSQL ${server.version}` },
    };
  },
};
