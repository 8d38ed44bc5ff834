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
 * Every figure is exact: times are whole milliseconds, and sums of them are exact in doubles.
 * test/evidence/history/run-index.test.ts holds the timelines equal to the run-by-run definition.
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
}

const sameRow = (x: VerdictRow, y: VerdictRow) => x === y || (x[1] === y[1] && x[2] === y[2] && x[3] === y[3] && x[4] === y[4]);

export class RunIndex {
  /** Run times in ms. */
  readonly t: Float64Array;
  private readonly simulatedBefore: Int32Array;
  private readonly blocks: { a: number; b: number; rows: ReadonlyMap<string, VerdictRow> }[] = [];
  private readonly tables = new Map<number, MaxAgeTables>();

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
    }
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
    const gaps = this.tablesOf(maxAgeMs).longGaps;
    let lo = 0;
    let hi = gaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (gaps[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let k = lo; k < gaps.length && gaps[k] < b; k++) out.push(gaps[k]);
    return out;
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
      const upBefore = new Float64Array(Math.max(n, 1));
      for (let i = 0; i + 1 < n; i++) {
        const gap = this.t[i + 1] - this.t[i];
        if (gap > maxAgeMs) longGaps.push(i);
        upBefore[i + 1] = upBefore[i] + Math.min(gap, maxAgeMs);
      }
      tables = { longGaps, upBefore };
      this.tables.set(maxAgeMs, tables);
    }
    return tables;
  }
}
