/**
 * audit-verify-full-10m: full verification from genesis (`trust audit verify --full`'s
 * verifyChain, compiled bundle, one worker thread per further core, in a child process for
 * its own peak RSS) of 10,000,000 chained events, against the server merely writing the same
 * table out: `COPY (SELECT * FROM audit_events) TO '/dev/null'` as superuser. Goal: at most
 * 1.25x, peak RSS under 200 MB (memory flat in the number of events).
 *
 * The chain is loaded with COPY (workloads/audit-copy.ts) into `bench_audit10m` on the
 * platform server, kept between runs and reused while its marker (the migrations, the chain
 * line, the loader) matches. Building it takes several minutes, so it runs only with
 * TRUST_BENCH_SCALE=1000 (as gate-scale-1000) or TRUST_BENCH_AUDIT_10M=1. The smoke run
 * loads 5,000 events into a throwaway database.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { median, round } from '../measure.ts';
import { adminQuery, benchName, withDatabase } from '../servers.ts';
import { createPlatformDatabase } from '../workloads/audit.ts';
import { copyChainedEvents } from '../workloads/audit-copy.ts';
import { measureFullVerification, type AuditChain } from '../workloads/audit-chain.ts';
import { PEAK_RSS_LIMIT_MB } from './audit-verify-full.ts';
import { SkipBenchmark, type Benchmark, type BenchContext } from '../types.ts';

const EVENTS = 10_000_000;
const DB = 'bench_audit10m';

function marker(root: string, events: number): string {
  const h = createHash('sha256').update(`events=${events}\n`);
  const mig = path.join(root, 'platform', 'migrations');
  for (const f of readdirSync(mig)
    .filter((x) => x.endsWith('.sql'))
    .sort())
    h.update(f).update(readFileSync(path.join(mig, f)));
  for (const f of ['platform/audit/chain-line.ts', 'test/bench/workloads/audit-copy.ts']) h.update(f).update(readFileSync(path.join(root, f)));
  return `trust-bench audit chain ${events} ${h.digest('hex').slice(0, 32)}`;
}

/** The loaded chain: reused when its marker matches, else (re)built. */
async function chainDatabase(ctx: BenchContext, events: number): Promise<{ chain: AuditChain; built: boolean; buildSeconds?: number; drop: () => Promise<void> }> {
  const server = await ctx.server();
  const { openDatabase } = await import('../../../platform/db/index.ts');
  const name = ctx.smoke ? benchName('audit10m') : DB;
  const mark = marker(ctx.root, events);
  const found = await adminQuery(server.adminUrl, `SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1`, [name]);
  let built = false;
  let buildSeconds: number | undefined;
  if (found.rows[0]?.marker === mark) {
    ctx.log(`bench: reusing ${name} (marker matches)`);
  } else {
    ctx.log(`bench: building ${name}: ${events.toLocaleString('en-US')} chained events with COPY`);
    const t0 = Date.now();
    const pdb = await createPlatformDatabase(server, name);
    await pdb.db.close();
    const copied = await copyChainedEvents(pdb.adminUrl, events, {
      progress: (n) => {
        if (n % 1_000_000 === 0) ctx.log(`bench: ${n.toLocaleString('en-US')} events (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      },
    });
    ctx.log(`bench: ${copied.events.toLocaleString('en-US')} events copied in ${copied.seconds.toFixed(0)} s; VACUUM (FREEZE, ANALYZE)`);
    // Hint bits and the visibility map set once, as autovacuum would leave a settled table:
    // otherwise the first reader pays for writing them.
    await adminQuery(pdb.adminUrl, 'VACUUM (FREEZE, ANALYZE) audit_events');
    buildSeconds = (Date.now() - t0) / 1000;
    // Marked only once complete: an interrupted build is rebuilt next time.
    if (!ctx.smoke) await adminQuery(server.adminUrl, `COMMENT ON DATABASE "${name}" IS ${pg.Client.prototype.escapeLiteral(mark)}`);
    built = true;
  }
  const adminUrl = withDatabase(server.adminUrl, name);
  const db = await openDatabase({ adminUrl });
  const chain: AuditChain = { pdb: { name, adminUrl, db, drop: async () => {} }, events, checkpointSeq: 0, trustedKeyPem: '' };
  return {
    chain,
    built,
    buildSeconds,
    drop: async () => {
      await db.close();
      if (ctx.smoke) await server.dropDatabase(name);
    },
  };
}

export const auditVerifyFull10m: Benchmark = {
  name: 'audit-verify-full-10m',
  goal: { kind: '<=', value: 1.25, also: `peak RSS < ${PEAK_RSS_LIMIT_MB} MB` },
  async run(ctx) {
    if (!ctx.smoke && process.env.TRUST_BENCH_SCALE !== '1000' && process.env.TRUST_BENCH_AUDIT_10M !== '1') {
      throw new SkipBenchmark(
        '10,000,000 events are loaded and verified only with TRUST_BENCH_SCALE=1000 or TRUST_BENCH_AUDIT_10M=1 (the load takes minutes once; the database is kept as bench_audit10m)',
      );
    }
    const events = ctx.smoke ? 5_000 : EVENTS;
    const { chain, built, buildSeconds, drop } = await chainDatabase(ctx, events);
    try {
      const s = await measureFullVerification(ctx, chain);
      const peak = s.peakRssMb;
      const ours = median(s.ours);
      const ref = median(s.reference);
      const maxPeak = Math.max(...peak);
      return {
        ours: { value: round(ours, 1), unit: 'ms' },
        reference: { name: "server COPY (SELECT * FROM audit_events) TO '/dev/null'", value: round(ref, 1), unit: 'ms' },
        ratio: ours / ref,
        met: maxPeak < PEAK_RSS_LIMIT_MB ? undefined : false,
        details: {
          events,
          peakRssMb: round(maxPeak, 1),
          reusedDatabase: !built,
          ...(buildSeconds ? { buildSeconds: round(buildSeconds, 1) } : {}),
          oursSamples: s.ours.map((x) => round(x, 0)),
          referenceSamples: s.reference.map((x) => round(x, 0)),
        },
      };
    } finally {
      await drop();
    }
  },
};
