/**
 * lifecycle-throughput-tls: the lifecycle workload (workloads/lifecycle.ts: 8 clients, 20
 * agents, the same seed and duration) over TLS as the platform connects (sslmode=verify-full
 * against the cluster's CA, TLS 1.2 at least) against the same workload without TLS, on the
 * same server in the same run. The server is a private PostgreSQL 17 with the embedded
 * server's flags and TLS settings whose pg_hba.conf also admits the bench databases without
 * TLS (tls-cluster.ts); the embedded production server admits TLS only and is not touched.
 *
 * Every run gets a fresh copy of one migrated template database, so each starts from the
 * same state; the sides alternate (TLS plain, plain TLS, ...) after a warm-up pair, and the
 * ratio is the median TLS ops/s over the median plain ops/s. Each side's first connection
 * is checked in pg_stat_ssl, so a plain run cannot silently use TLS or the reverse.
 */
import pg from 'pg';
import { measurePair, median, percentile, round } from '../measure.ts';
import { adminQuery, benchName, withDatabase } from '../servers.ts';
import { startTlsBenchCluster, withoutTls } from '../tls-cluster.ts';
import { LIFECYCLE_AGENTS, LIFECYCLE_CLIENTS, runLifecycle, type LifecycleRun } from '../workloads/lifecycle.ts';
import type { Benchmark } from '../types.ts';

async function sslOf(url: string): Promise<{ ssl: boolean; version: string | null }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: r.rows[0].ssl as boolean, version: r.rows[0].version as string | null };
  } finally {
    await c.end();
  }
}

export const lifecycleThroughputTls: Benchmark = {
  name: 'lifecycle-throughput-tls',
  goal: { kind: '>=', value: 0.85 },
  async run(ctx) {
    const seconds = ctx.smoke ? 1 : 8;
    const repeats = ctx.smoke ? { warmup: 0, runs: 1 } : { warmup: 1, runs: 5 };
    const base = benchName('lifetls');
    const template = `${base}_tpl`;
    const runNames = Array.from({ length: (repeats.warmup + repeats.runs) * 2 }, (_, i) => `${base}_r${i}`);
    const cluster = await startTlsBenchCluster([template, ...runNames]);
    try {
      const [{ openDatabase }, { migrate }] = await Promise.all([import('../../../platform/db/index.ts'), import('../../../platform/db/migrate.ts')]);
      await adminQuery(cluster.adminUrl, `CREATE DATABASE "${template}"`);
      const tdb = await openDatabase({ adminUrl: withDatabase(cluster.adminUrl, template) });
      try {
        await migrate(tdb);
      } finally {
        await tdb.close();
      }
      let next = 0;
      const seen: Record<'tls' | 'plain', { ssl: boolean; version: string | null } | undefined> = { tls: undefined, plain: undefined };
      const runs: Record<'tls' | 'plain', LifecycleRun[]> = { tls: [], plain: [] };
      const side = (kind: 'tls' | 'plain') => async (): Promise<number> => {
        const name = runNames[next++];
        await adminQuery(cluster.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        const db = await openDatabase({ adminUrl: withDatabase(cluster.adminUrl, name) });
        try {
          const url = kind === 'tls' ? db.url('app') : withoutTls(db.url('app'));
          const s = await sslOf(url);
          if (s.ssl !== (kind === 'tls')) throw new Error(`the ${kind} run's connection has ssl = ${s.ssl} in pg_stat_ssl`);
          seen[kind] = s;
          const r = await runLifecycle(db, { url, seconds });
          runs[kind].push(r);
          return r.operations / r.elapsed;
        } finally {
          await db.close();
          await adminQuery(cluster.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        }
      };
      ctx.log(`bench: lifecycle-throughput-tls: ${repeats.warmup} warm-up and ${repeats.runs} measured pairs of ${seconds} s runs on PostgreSQL ${cluster.version}`);
      const s = await measurePair(repeats, side('tls'), side('plain'));
      const tls = median(s.ours);
      const plain = median(s.reference);
      const measured = (kind: 'tls' | 'plain') => runs[kind].slice(repeats.warmup);
      const summary = (kind: 'tls' | 'plain') => {
        const lat = measured(kind).flatMap((r) => r.latencies);
        return {
          opsPerSecond: (kind === 'tls' ? s.ours : s.reference).map((x) => round(x, 1)),
          p50Ms: round(median(lat), 1),
          p99Ms: round(percentile(lat, 99), 1),
          operations: measured(kind).map((r) => r.operations),
          refused: measured(kind).map((r) => r.refused),
        };
      };
      const tlsSummary = summary('tls');
      return {
        ours: { value: round(tls, 1), unit: `ops/s over TLS (${seen.tls?.version ?? '?'}, verify-full), p99 ${tlsSummary.p99Ms} ms` },
        reference: { name: 'the same workload without TLS, same server and run', value: round(plain, 1), unit: 'ops/s' },
        ratio: round(tls, 1) / round(plain, 1),
        details: {
          clients: LIFECYCLE_CLIENTS,
          agents: LIFECYCLE_AGENTS,
          secondsPerRun: seconds,
          pairs: repeats.runs,
          warmupPairs: repeats.warmup,
          server: `PostgreSQL ${cluster.version}`,
          tls: tlsSummary,
          plain: summary('plain'),
          pairRatios: s.ours.map((x, i) => round(x / s.reference[i], 3)),
        },
      };
    } finally {
      await cluster.stop();
    }
  },
};
