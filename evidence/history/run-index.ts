/**
 * The runs of a history indexed so that a control's timeline costs its number of status
 * changes, not its number of runs: 90 days of hourly runs of 200 controls are 400,000
 * (run, control) pairs, while a control changes state a handful of times.
 *
 * - Runs with the very same verdicts share one map of rows (evidence/history/leaf-cache.ts), so
 *   consecutive runs sharing a map form a block, and a control's row is looked up once a block.
 * - A control's runs are cut into ranges of consecutive runs with equal rows: one state and one
 *   maximum age each. Within a range only two things vary, each run's time and the gap to the
 *   next run, and what the timeline needs of them is read from tables kept per maximum age: the
 *   gaps longer than it (where the control turns stale) and prefix sums of min(gap, max age)
 *   (the time each passing run kept the control up).
 * - An audit period (period-controls.ts) also asks for the first longest gap in a stretch (a
 *   sparse table) and its catalog versions (stretches of runs of one version).
 * Every figure is exact: times are whole milliseconds, and sums of them are exact in doubles.
 * test/evidence/history/run-index.test.ts and period-controls.test.ts hold the timelines and the
 * period's figures equal to their run-by-run definitions.
 */
import type { VerdictRow } from '../tlog/leaves.ts';
import type { Run } from './read.ts';

/** One word per run: live (holds), failing (regression or unsupported), stale, or the non-live claim. */
export type State = 'live' | 'failing' | 'stale' | 'designed' | 'roadmap';

export function stateOf(row: VerdictRow): State {
  const [, claimed, , verdict] = row;
  if (verdict === 'regression' || verdict === 'unsupported') return 'failing';
  if (verdict === 'stale') return 'stale';
  return claimed === 'live' ? 'live' : claimed;
}

/** Runs a..b-1 of the index (consecutive), all evaluating one control with equal rows. */
export interface RunRange {
  a: number;
  b: number;
  row: VerdictRow;
  state: State;
}

interface MaxAgeTables {
  /** Indexes i with t[i + 1] - t[i] longer than the maximum age, ascending. */
  longGaps: number[];
  /** upBefore[i]: the sum over j < i of min(t[j + 1] - t[j], max age). */
  upBefore: Float64Array;
  /** Indexes i whose gap to run i + 1, in whole seconds (rounded, as a period reports it), is longer than the maximum age. */
  longGapsInSeconds: number[];
}

/** The first index of the greatest value in [a, b) (-1 when none is at least 0), from a sparse table: O(1) a query. */
class FirstMax {
  private readonly levels: Int32Array[] = [];
  constructor(private readonly values: Float64Array) {
    let level = Int32Array.from(values, (_, i) => i);
    this.levels.push(level);
    for (let w = 1; 2 * w <= values.length; w *= 2) {
      const next = new Int32Array(values.length - 2 * w + 1);
      for (let i = 0; i < next.length; i++) next[i] = this.pick(level[i], level[i + w]);
      this.levels.push(next);
      level = next;
    }
  }
  /** The earlier index unless the later holds a greater value. */
  private pick(x: number, y: number): number {
    return this.values[y] > this.values[x] ? y : x;
  }
  query(a: number, b: number): number {
    if (b <= a) return -1;
    const k = 31 - Math.clz32(b - a);
    const i = this.pick(this.levels[k][a], this.levels[k][b - (1 << k)]);
    return this.values[i] >= 0 ? i : -1;
  }
}

const sameRow = (x: VerdictRow, y: VerdictRow) => x === y || (x[1] === y[1] && x[2] === y[2] && x[3] === y[3] && x[4] === y[4]);

export class RunIndex {
  /** Run times in ms. */
  readonly t: Float64Array;
  private readonly simulatedBefore: Int32Array;
  private readonly blocks: { a: number; b: number; rows: ReadonlyMap<string, VerdictRow> }[] = [];
  private readonly tables = new Map<number, MaxAgeTables>();
  /** Consecutive runs of one catalog version. */
  private readonly versions: { a: number; b: number; version: string }[] = [];
  private gapSeconds: FirstMax | undefined;

  /** `runs` sorted by time. */
  constructor(readonly runs: readonly Run[]) {
    const n = runs.length;
    this.t = new Float64Array(n);
    this.simulatedBefore = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const r = runs[i];
      this.t[i] = r.t;
      this.simulatedBefore[i + 1] = this.simulatedBefore[i] + (r.simulated ? 1 : 0);
      const last = this.blocks[this.blocks.length - 1];
      if (last && last.rows === r.rows) last.b = i + 1;
      else this.blocks.push({ a: i, b: i + 1, rows: r.rows });
      const v = this.versions[this.versions.length - 1];
      if (v && v.version === r.catalogVersion) v.b = i + 1;
      else this.versions.push({ a: i, b: i + 1, version: r.catalogVersion });
    }
  }

  /** The runs of [a, b) by catalog version, in order: [first, end, version] for each stretch of one version. */
  versionsIn(a: number, b: number): [number, number, string][] {
    let lo = 0;
    let hi = this.versions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.versions[mid].b <= a) lo = mid + 1;
      else hi = mid;
    }
    const out: [number, number, string][] = [];
    for (let k = lo; k < this.versions.length && this.versions[k].a < b; k++) out.push([Math.max(a, this.versions[k].a), Math.min(b, this.versions[k].b), this.versions[k].version]);
    return out;
  }

  /** Of the gaps from run i to run i + 1 for i in [a, b) that are longer than nothing, the first of the longest in whole seconds (rounded); -1 when none. */
  longestGap(a: number, b: number): number {
    this.gapSeconds ??= new FirstMax(Float64Array.from(this.t, (x, i) => (i + 1 < this.t.length && this.t[i + 1] > x ? Math.round((this.t[i + 1] - x) / 1000) : -1)));
    return this.gapSeconds.query(a, b);
  }

  /** Indexes i in [a, b) whose gap to run i + 1 in whole seconds (rounded) is longer than `maxAgeSeconds`, ascending. */
  longGapsInSeconds(maxAgeSeconds: number, a: number, b: number): number[] {
    return between(this.tablesOf(maxAgeSeconds * 1000).longGapsInSeconds, a, b);
  }

  /** Every control id in the runs, sorted. */
  controlIds(): string[] {
    const ids = new Set<string>();
    for (const b of this.blocks) for (const id of b.rows.keys()) ids.add(id);
    return [...ids].sort();
  }

  /** The control's runs as ranges, in order; empty when no run evaluated it. */
  ranges(id: string): RunRange[] {
    const out: RunRange[] = [];
    for (const blk of this.blocks) {
      const row = blk.rows.get(id);
      if (!row) continue;
      const last = out[out.length - 1];
      if (last && last.b === blk.a && sameRow(last.row, row)) last.b = blk.b;
      else out.push({ a: blk.a, b: blk.b, row, state: stateOf(row) });
    }
    return out;
  }

  simulatedIn(a: number, b: number): number {
    return this.simulatedBefore[b] - this.simulatedBefore[a];
  }

  /** The first index in [a, b) whose run is at or after `ms` (b when none). */
  firstAtOrAfter(ms: number, a: number, b: number): number {
    let lo = a;
    let hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid] < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Indexes i in [a, b) where the gap to run i + 1 is longer than `maxAgeMs`, ascending. */
  longGaps(maxAgeMs: number, a: number, b: number): number[] {
    return between(this.tablesOf(maxAgeMs).longGaps, a, b);
  }

  /** The sum over i in [a, b) of min(t[i + 1] - t[i], maxAgeMs) (b at most the last index). */
  upTime(maxAgeMs: number, a: number, b: number): number {
    const up = this.tablesOf(maxAgeMs).upBefore;
    return b > a ? up[b] - up[a] : 0;
  }

  private tablesOf(maxAgeMs: number): MaxAgeTables {
    let tables = this.tables.get(maxAgeMs);
    if (!tables) {
      const n = this.t.length;
      const longGaps: number[] = [];
      const longGapsInSeconds: number[] = [];
      const upBefore = new Float64Array(Math.max(n, 1));
      for (let i = 0; i + 1 < n; i++) {
        const gap = this.t[i + 1] - this.t[i];
        if (gap > maxAgeMs) longGaps.push(i);
        if (Math.round(gap / 1000) > maxAgeMs / 1000) longGapsInSeconds.push(i);
        upBefore[i + 1] = upBefore[i] + Math.min(gap, maxAgeMs);
      }
      tables = { longGaps, upBefore, longGapsInSeconds };
      this.tables.set(maxAgeMs, tables);
    }
    return tables;
  }
}

/** The values of an ascending list that lie in [a, b). */
function between(sorted: readonly number[], a: number, b: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < a) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let k = lo; k < sorted.length && sorted[k] < b; k++) out.push(sorted[k]);
  return out;
}
