/**
 * gate-scale-100: `trust check` (the CI gate, incremental from the last signed
 * checkpoint) on `trust demo --scale 100` (10,000 agents, 1,000,000+ audit events),
 * timed from spawn to exit like CI runs it. Goal: under 2 s.
 *
 * Building scale 100 takes minutes, so the demo database `bench_scale100` is kept
 * between runs and reused only when its marker (a hash of the migrations and the
 * demo and platform sources) matches; the gate itself is always measured fresh.
 * TRUST_BENCH_SCALE_DB_URL names an already filled database to use instead.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { measureOne, median, round, runChild, runChildOk } from '../measure.ts';
import { adminQuery, benchName, withDatabase } from '../servers.ts';
import { createPlatformDatabase } from '../workloads/audit.ts';
import { SkipBenchmark, type Benchmark, type BenchContext } from '../types.ts';

const GOAL_MS = 2000;

/** Hash of everything that shapes the demo data: change any of it and the cache is rebuilt. */
function workloadMarker(root: string, scale: number): string {
  const h = createHash('sha256').update(`scale=${scale}\n`);
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|sql|yaml|json)$/.test(name)) h.update(path.relative(root, p)).update(readFileSync(p));
    }
  };
  for (const d of ['platform']) walk(path.join(root, d));
  return `trust-bench demo scale ${scale} ${h.digest('hex').slice(0, 32)}`;
}

async function demoDatabase(ctx: BenchContext, scale: number): Promise<{ url: string; built: boolean; buildSeconds?: number; drop?: () => Promise<void> }> {
  const server = await ctx.server();
  const cli = path.join(ctx.root, 'evidence', 'cli', 'bin.mjs');
  if (ctx.smoke) {
    // The smoke run proves the gate path, not the demo (which has its own tests): an
    // empty migrated platform is enough and keeps npm test fast.
    const pdb = await createPlatformDatabase(server, benchName('gate'));
    await pdb.db.close();
    return { url: pdb.adminUrl, built: true, drop: () => server.dropDatabase(pdb.name) };
  }
  const external = process.env.TRUST_BENCH_SCALE_DB_URL;
  if (external) {
    // A database someone filled with `trust migrate && trust demo --scale 100` (it takes
    // minutes): used as it is, after checking that it really is that size.
    // Agents provisioned, destroyed ones included (their history stays in the audit log).
    const r = await adminQuery(external, `SELECT (SELECT count(*) FROM audit_events WHERE action = 'agent.provisioned') AS agents, (SELECT count(*) FROM audit_events) AS events`);
    const { agents, events } = r.rows[0] as { agents: string; events: string };
    if (Number(agents) < 100 * scale || Number(events) < 10_000 * scale) {
      throw new Error(`TRUST_BENCH_SCALE_DB_URL has ${agents} agents provisioned and ${events} audit events; scale ${scale} needs at least ${100 * scale} and ${10_000 * scale}`);
    }
    ctx.log(`bench: using TRUST_BENCH_SCALE_DB_URL (${agents} agents provisioned, ${events} audit events)`);
    return { url: external, built: false };
  }
  const name = `bench_scale${scale}`;
  const marker = workloadMarker(ctx.root, scale);
  const found = await adminQuery(server.adminUrl, `SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1`, [name]);
  const url = withDatabase(server.adminUrl, name);
  if (found.rows[0]?.marker === marker) {
    ctx.log(`bench: reusing ${name} (marker matches)`);
    return { url, built: false };
  }
  if (process.env.TRUST_BENCH_DEMO_BUDGET_S === undefined) {
    // Building it takes about 20 minutes on 2 cores: twice the whole suite's budget.
    // It is built only when asked for, then reused while the platform code is unchanged.
    throw new SkipBenchmark(`no scale-${scale} demo database yet; build it once (about 20 min) with TRUST_BENCH_DEMO_BUDGET_S=3600 npm run bench -- --only gate-scale-100, or point TRUST_BENCH_SCALE_DB_URL at a database filled by trust demo --scale ${scale}`);
  }
  ctx.log(`bench: building ${name}: trust migrate && trust demo --scale ${scale} (takes minutes at scale 100)`);
  await server.createDatabase(name);
  const env = { ...process.env, DATABASE_URL: url };
  const t0 = Date.now();
  await runChildOk(process.execPath, [cli, 'migrate'], { cwd: ctx.root, env, timeoutMs: 600_000 });
  // The budget the caller gave: over it, the benchmark says so (the unmarked database
  // is rebuilt next time).
  const budget = Number(process.env.TRUST_BENCH_DEMO_BUDGET_S);
  const demo = await runChild(process.execPath, [cli, 'demo', '--scale', String(scale)], { cwd: ctx.root, env, timeoutMs: budget * 1000 });
  if (demo.code !== 0) {
    if (demo.code === null) throw new Error(`trust demo --scale ${scale} did not finish within the bench's ${budget} s budget (TRUST_BENCH_DEMO_BUDGET_S); build the cache once with TRUST_BENCH_DEMO_BUDGET_S=7200 npm run bench -- --only gate-scale-100`);
    throw new Error(`trust demo --scale ${scale} exited ${demo.code}: ${demo.stderr.trim().split('\n').slice(-1)[0]}`);
  }
  const buildSeconds = (Date.now() - t0) / 1000;
  // Marked only once complete: an interrupted build is rebuilt next time.
  await adminQuery(server.adminUrl, `COMMENT ON DATABASE "${name}" IS ${pg.Client.prototype.escapeLiteral(marker)}`);
  return { url, built: true, buildSeconds };
}

export const gateScale100: Benchmark = {
  name: 'gate-scale-100',
  goal: { kind: 'under', value: GOAL_MS },
  async run(ctx) {
    const scale = ctx.smoke ? 0 : 100;
    const demo = await demoDatabase(ctx, scale);
    try {
      const [{ openDatabase }, { createCheckpoint }, { loadSigningKey }] = await Promise.all([
        import('../../../platform/db/index.ts'), import('../../../platform/audit/checkpoint.ts'), import('../../../platform/audit/keys.ts'),
      ]);
      // A signed checkpoint at the head, as the nightly job leaves it: the gate verifies from there.
      const db = await openDatabase({ adminUrl: demo.url });
      let events = 0;
      try {
        await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, loadSigningKey(() => {}));
        events = Number((await db.pool('reader').query('SELECT count(*) AS n FROM audit_events')).rows[0].n);
      } finally {
        await db.close();
      }
      const cli = path.join(ctx.root, 'evidence', 'cli', 'bin.mjs');
      const outDir = ctx.scratch('gate');
      const env = { ...process.env, DATABASE_URL: demo.url };
      const codes: number[] = [];
      const samples = await measureOne(ctx.smoke ? ctx.repeats : { warmup: 1, runs: 3 }, async () => {
        const r = await runChild(process.execPath, [cli, 'check', '--out', outDir], { cwd: ctx.root, env, timeoutMs: 600_000 });
        // 0 holds, 1 a claim does not hold: both are answers; 2 is a broken run.
        if (r.code !== 0 && r.code !== 1) {
          // The cause is the line the CLI prefixes with its name; progress lines may precede it.
          const lines = r.stderr.trim().split('\n');
          throw new Error(`trust check exited ${r.code}: ${lines.find((l) => l.startsWith('trust ')) ?? lines[0]}`);
        }
        codes.push(r.code);
        return r.ms;
      });
      const ms = median(samples);
      return {
        ours: { value: round(ms, 0), unit: 'ms' },
        reference: null,
        ratio: null,
        details: { scale, auditEvents: events, reusedDatabase: !demo.built, ...(demo.buildSeconds ? { demoBuildSeconds: round(demo.buildSeconds, 1) } : {}), exitCodes: codes, samples: samples.map((x) => round(x, 0)) },
      };
    } finally {
      await demo.drop?.();
    }
  },
};
