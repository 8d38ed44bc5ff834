/**
 * Runs the benchmark suite: each benchmark measures ours and its reference in the
 * same run, on the same data; the runner judges the goal, prints the table and writes
 * out/bench.json atomically.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openPg15Server, openPlatformServer, type BenchServer } from './servers.ts';
import { formatTable } from './table.ts';
import { BENCHMARKS } from './registry.ts';
import { SkipBenchmark, type BenchContext, type BenchOptions, type BenchResult, type Goal } from './types.ts';
import { round } from './measure.ts';

export function goalText(g: Goal): string {
  const base = g.kind === '<=' || g.kind === '>=' ? `ratio ${g.kind} ${g.value}` : g.kind === 'equal' ? 'equal' : g.kind === 'under' ? `under ${g.value} ms` : 'report';
  return g.also ? `${base}; ${g.also}` : base;
}

/** Whether a measured result meets its goal; `also` conditions are judged by the benchmark (met: false). */
export function judge(g: Goal, r: Pick<BenchResult, 'ours' | 'reference' | 'ratio'>): boolean | null {
  switch (g.kind) {
    case '<=':
      return r.ratio !== null && r.ratio <= g.value!;
    case '>=':
      return r.ratio !== null && r.ratio >= g.value!;
    case 'equal':
      return r.ours !== null && r.reference !== null && r.ours.value === r.reference.value;
    case 'under':
      return r.ours !== null && r.ours.value < g.value!;
    case 'report':
      return null;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export async function runBench(options: BenchOptions): Promise<BenchResult[]> {
  const unknown = options.only.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}`);
  const selected = BENCHMARKS.filter((b) => !options.only.length || options.only.includes(b.name));
  const sharedValues = new Map<string, Promise<unknown>>();
  const cleanups: (() => Promise<void>)[] = [];
  const scratchRoot = path.join(options.root, 'out', 'bench', `run-${process.pid}`);
  let platform: Promise<BenchServer> | undefined;
  let pg15: Promise<BenchServer> | undefined;
  const ctx: BenchContext = {
    options,
    smoke: options.smoke,
    root: options.root,
    log: options.log,
    repeats: options.smoke ? { warmup: 0, runs: 1 } : { warmup: 1, runs: 5 },
    shared<T>(key: string, build: () => Promise<T>, cleanup?: (v: T) => Promise<void>): Promise<T> {
      let p = sharedValues.get(key) as Promise<T> | undefined;
      if (!p) {
        p = build();
        sharedValues.set(key, p);
        if (cleanup) cleanups.push(async () => cleanup(await p!));
      }
      return p;
    },
    server() {
      if (!platform) {
        platform = openPlatformServer(options.adminUrl);
        cleanups.push(async () => (await platform!).stop());
      }
      return platform;
    },
    pg15() {
      if (!pg15) {
        pg15 = openPg15Server();
        cleanups.push(async () => (await pg15!).stop());
      }
      return pg15;
    },
    scratch(name) {
      const dir = path.join(scratchRoot, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };

  const results: BenchResult[] = [];
  try {
    for (const b of selected) {
      const t0 = Date.now();
      options.log(`bench: ${b.name} ...`);
      const goal = goalText(b.goal);
      try {
        const r = await b.run(ctx);
        const ratio = r.ratio === null ? null : round(r.ratio, 4);
        const judged = judge(b.goal, { ...r, ratio });
        // A benchmark may veto a met ratio when a secondary goal (peak RSS) fails.
        // Smoke runs use tiny workloads: their figures say nothing about the goals.
        const met = options.smoke ? null : r.met === false ? false : judged;
        results.push({ name: b.name, ours: r.ours, reference: r.reference, ratio, goal, met, ...(r.details ? { details: r.details } : {}) });
      } catch (e) {
        if (e instanceof SkipBenchmark) {
          results.push({ name: b.name, ours: null, reference: null, ratio: null, goal, met: null, skipped: e.message });
        } else {
          const err = e as Error;
          results.push({ name: b.name, ours: null, reference: null, ratio: null, goal, met: false, error: err.message.split('\n')[0] });
          if (process.env.TRUST_BENCH_DEBUG) options.log(err.stack ?? String(err));
        }
      }
      const last = results[results.length - 1];
      options.log(`bench: ${b.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s${last.skipped ? ' (skipped: ' + last.skipped + ')' : last.error ? ' (error: ' + last.error + ')' : ''}`);
    }
  } finally {
    // Cleanups in reverse: databases before the servers that hold them.
    for (const c of cleanups.reverse()) await c().catch((e) => options.log(`bench: cleanup failed: ${(e as Error).message}`));
    rmSync(scratchRoot, { recursive: true, force: true });
  }
  writeJsonAtomic(options.outFile, {
    generatedAt: new Date().toISOString(),
    smoke: options.smoke,
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    benchmarks: results,
  });
  return results;
}

export { formatTable };
