/**
 * Shapes of the benchmark suite. Every figure is compared with a reference measured
 * in the same run on the same data, because an absolute time on a noisy machine
 * proves nothing; a ratio against the physical floor does.
 */

export type { PairSamples } from './measure.ts';

export interface Figure {
  value: number;
  /** `ms`, `ops/s`, `events/s`, `queries`, `MB`. */
  unit: string;
}

export interface ReferenceFigure extends Figure {
  /** What the reference is, e.g. `pg_dump 15.8 --schema-only`. */
  name: string;
}

export interface BenchResult {
  name: string;
  /** Null only when the benchmark was skipped or failed. */
  ours: Figure | null;
  reference: ReferenceFigure | null;
  /** ours / reference (times), or ours / reference (throughput, audit-insert-chained). */
  ratio: number | null;
  /** Human-readable goal, e.g. `ratio <= 0.4`. */
  goal: string;
  /** Whether the goal is met; null when there is nothing to judge (skipped, report-only). */
  met: boolean | null;
  /** Why nothing was measured: a missing tool or a missing part of the platform. */
  skipped?: string;
  /** The benchmark failed while running; the message says where. */
  error?: string;
  /** Secondary figures: samples, peak RSS, p99, sizes. */
  details?: Record<string, unknown>;
}

export interface Goal {
  /** `<=` and `>=` judge the ratio; `equal` judges ours == reference; `under` judges ours < value; `report` judges nothing. */
  kind: '<=' | '>=' | 'equal' | 'under' | 'report';
  value?: number;
  /** Extra condition text, e.g. `peak RSS < 200 MB`. */
  also?: string;
}

export interface BenchOptions {
  /** Tiny workloads and single runs: proves the suite runs, asserts no goal. */
  smoke: boolean;
  /** Benchmark names to run; all when empty. */
  only: string[];
  /** Repository root. */
  root: string;
  /** Where the JSON goes; out/bench.json by default. */
  outFile: string;
  /** Server admin URL (PG17); defaults to DATABASE_URL, then the embedded server. */
  adminUrl?: string;
  log(message: string): void;
}

/** What a benchmark module exports. */
export interface Benchmark {
  name: string;
  goal: Goal;
  run(ctx: BenchContext): Promise<Omit<BenchResult, 'name' | 'goal' | 'met'> & { met?: boolean | null }>;
}

export interface BenchContext {
  options: BenchOptions;
  smoke: boolean;
  root: string;
  log(message: string): void;
  /** Warm-up runs and measured runs for a figure (the median of `runs`). */
  repeats: { warmup: number; runs: number };
  /** A workload shared by several benchmarks in this run, built once, cleaned up at the end. */
  shared<T>(key: string, build: () => Promise<T>, cleanup?: (value: T) => Promise<void>): Promise<T>;
  /** The PostgreSQL 17 (or DATABASE_URL) server the platform runs on. */
  server(): Promise<import('./servers.ts').BenchServer>;
  /** Debian's PostgreSQL 15, for pg_dump 15; throws SkipBenchmark when it is not installed. */
  pg15(): Promise<import('./servers.ts').BenchServer>;
  /** A scratch directory under out/bench/, removed at the end. */
  scratch(name: string): string;
}

/** Thrown by a benchmark when a reference tool or a part of the platform is missing. */
export class SkipBenchmark extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipBenchmark';
  }
}
