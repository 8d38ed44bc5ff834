/**
 * schema-introspection: our schema collector against `pg_dump --schema-only` (Debian's
 * PostgreSQL 15) on the same 1,000-table database, on a PostgreSQL 15 server because
 * pg_dump 15 refuses to dump a newer one.
 */
import path from 'node:path';
import { measurePair, median, round, runChildOk } from '../measure.ts';
import { benchName, PG15_BIN, withDatabase } from '../servers.ts';
import { createTables } from '../workloads/tables.ts';
import { collectSchemaOnce } from '../workloads/schema-collector.ts';
import type { Benchmark, BenchContext } from '../types.ts';

export function tableCount(ctx: BenchContext): number {
  return ctx.smoke ? 20 : 1000;
}

export const schemaIntrospection: Benchmark = {
  name: 'schema-introspection',
  goal: { kind: '<=', value: 0.4 },
  async run(ctx) {
    const server = await ctx.pg15();
    const n = tableCount(ctx);
    const name = benchName('schema');
    const url = await ctx.shared(
      `pg15-tables-${n}`,
      async () => {
        const u = await server.createDatabase(name);
        const { bootstrapRoles } = await import('../../../platform/db/roles.ts');
        await bootstrapRoles(u);
        ctx.log(`bench: creating ${n} tables on PostgreSQL ${server.version}`);
        await createTables(u, n);
        return u;
      },
      async () => server.dropDatabase(name),
    );
    const pgDump = path.join(PG15_BIN, 'pg_dump');
    let seen = 0;
    const s = await measurePair(
      ctx.repeats,
      async () => {
        const r = await collectSchemaOnce(url, ctx.root);
        seen = r.tables;
        return r.ms;
      },
      async () => (await runChildOk(pgDump, ['--schema-only', '--no-password', '--file=/dev/null', `--dbname=${url}`], { timeoutMs: 300_000 })).ms,
    );
    if (seen < n) throw new Error(`the schema collector saw ${seen} tables, expected at least ${n}`);
    const ours = median(s.ours);
    const ref = median(s.reference);
    const version = /\d+\.\d+/.exec((await runChildOk(pgDump, ['--version'])).stdout)?.[0] ?? '15';
    return {
      ours: { value: round(ours, 1), unit: 'ms' },
      reference: { name: `pg_dump ${version} --schema-only`, value: round(ref, 1), unit: 'ms' },
      ratio: ours / ref,
      details: {
        tables: n,
        server: `PostgreSQL ${server.version}`,
        database: withDatabase(url, name)
          .replace(/:[^:@/]*@/, ':***@')
          .split('/')
          .pop(),
        oursSamples: s.ours.map((x) => round(x, 1)),
        referenceSamples: s.reference.map((x) => round(x, 1)),
      },
    };
  },
};
