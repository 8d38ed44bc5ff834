/**
 * A control's timeline from the log's runs (evidence/history/read.ts): its state after each
 * run, the changes between states with the bundle that shows each, first live, last
 * failure, the current streak and uptime over trailing windows. Pure: the same runs and the
 * same as-of instant give the same figures, which is what lets the site show exactly what
 * `trust history --json` prints.
 *
 * Freshness over time (the rule of evidence/freshness.ts, applied between runs): a passing
 * run keeps its control up for at most the control's maximum evidence age as recorded in
 * that run (the catalog version then in force). When no run follows within that age, the
 * control turns `stale` at run + max age, and that change names the run whose evidence
 * went stale.
 */
import type { Run } from './read.ts';
import { RunIndex, type RunRange, type State } from './run-index.ts';

export { stateOf, type State } from './run-index.ts';

export interface RunRef {
  at: string;
  bundleSha256: string;
  leafIndex: number;
  catalogVersion: string;
  simulated: boolean;
}

export interface Change extends RunRef {
  from: State | null;
  to: State;
  /** Why, when no run of its own caused it: `no run within <max age>` for a derived stale. */
  derived?: string;
}

export interface Uptime {
  days: number;
  /** Share of the observed part of the window during which the control was live and fresh, 0..1 (6 decimals); null before any run. */
  uptime: number | null;
  upSeconds: number;
  /** Seconds of the window after the control's first run (what uptime is a share of). */
  observedSeconds: number;
  runs: number;
  failingRuns: number;
}

export interface ControlTimeline {
  id: string;
  /** The claim in the latest run. */
  claimed: string;
  maxAgeSeconds: number;
  state: State;
  runs: number;
  simulatedRuns: number;
  firstRun: RunRef | null;
  lastRun: RunRef | null;
  firstLive: RunRef | null;
  lastFailure: RunRef | null;
  /** The current state, since when, and how many runs in a row showed it. */
  currentStreak: { state: State; since: string; runs: number } | null;
  uptime: Uptime[];
  changes: Change[];
}

export const UPTIME_WINDOWS_DAYS = [30, 90, 365] as const;

function ref(run: Run): RunRef {
  return { at: run.at, bundleSha256: run.bundleSha256, leafIndex: run.leafIndex, catalogVersion: run.catalogVersion, simulated: run.simulated };
}

function durationText(s: number): string {
  return s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** Every control that appears in a run up to `asOf`, sorted by id. */
export function controlIds(runs: readonly Run[]): string[] {
  const ids = new Set<string>();
  for (const r of runs) for (const id of r.rows.keys()) ids.add(id);
  return [...ids].sort();
}

export function timeline(runs: readonly Run[], id: string, asOf: Date): ControlTimeline | null {
  const ix = new RunIndex(runs.filter((r) => r.t <= asOf.getTime()));
  const ranges = ix.ranges(id);
  return ranges.length ? timelineOf(id, ix, ranges, asOf) : null;
}

const DAY = 86_400_000;

/**
 * The timeline of one control from its ranges of runs (run-index.ts), as if walked run by run:
 * a run in another state than the one before is a change; a passing run followed by no run
 * within its maximum age turns the control stale at run + max age (and the next run, if any,
 * is a change again); the streak counts the runs since the latest change.
 */
function timelineOf(id: string, ix: RunIndex, ranges: readonly RunRange[], asOf: Date): ControlTimeline {
  const end = asOf.getTime();
  const { runs, t } = ix;
  const nextT = (k: number) => (k + 1 < ranges.length ? t[ranges[k + 1].a] : end);
  const changes: Change[] = [];
  let state: State | null = null;
  // Where the current streak starts (range k, run i), or null while it holds no run yet.
  let streak: { k: number; i: number } | null = null;
  for (let k = 0; k < ranges.length; k++) {
    const { a, b, row, state: s } = ranges[k];
    if (s !== state) {
      changes.push({ ...ref(runs[a]), from: state, to: s });
      state = s;
      streak = { k, i: a };
    } else streak ??= { k, i: a };
    if (s !== 'live') continue;
    const maxAge = row[4] * 1000;
    const stale = ix.longGaps(maxAge, a, b - 1);
    if (nextT(k) - t[b - 1] > maxAge) stale.push(b - 1);
    for (const i of stale) {
      const r = runs[i];
      changes.push({ ...ref(r), at: new Date(r.t + maxAge).toISOString(), from: 'live', to: 'stale', derived: `no run within ${durationText(row[4])} of ${r.at}` });
      if (i + 1 < b) {
        changes.push({ ...ref(runs[i + 1]), from: 'stale', to: 'live' });
        streak = { k, i: i + 1 };
      } else {
        state = 'stale';
        streak = null;
      }
    }
  }
  let streakRuns = 0;
  if (streak) {
    streakRuns = ranges[streak.k].b - streak.i;
    for (let k = streak.k + 1; k < ranges.length; k++) streakRuns += ranges[k].b - ranges[k].a;
  }
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  const firstLive = ranges.find((r) => r.state === 'live');
  let lastFailure: RunRange | undefined;
  for (let k = ranges.length - 1; k >= 0 && !lastFailure; k--) if (ranges[k].state === 'failing') lastFailure = ranges[k];
  const lastChange = changes[changes.length - 1];
  /** Time in [from, end) during which range k's passing runs kept the control up (each for min(gap to the next run, max age)). */
  const upIn = (k: number, from: number): number => {
    const { a, b, row } = ranges[k];
    const maxAge = row[4] * 1000;
    // Runs a..b-2 are followed by the next run of the range; those at or after `from` count whole.
    const p = ix.firstAtOrAfter(from, a, b - 1);
    let up = ix.upTime(maxAge, p, b - 1);
    // Of the runs before `from`, only the last one's stretch can reach past it.
    if (p > a) up += Math.max(0, t[p - 1] + Math.min(t[p] - t[p - 1], maxAge) - from);
    const len = Math.min(nextT(k) - t[b - 1], maxAge);
    if (len > 0) up += Math.max(0, t[b - 1] + len - Math.max(t[b - 1], from));
    return up;
  };
  const uptime = UPTIME_WINDOWS_DAYS.map((days): Uptime => {
    const start = end - days * DAY;
    const observedFrom = Math.max(start, t[first.a]);
    const observed = Math.max(0, end - observedFrom);
    let up = 0;
    let inWindow = 0;
    let failingRuns = 0;
    for (let k = 0; k < ranges.length; k++) {
      const { a, b, state: s } = ranges[k];
      const n = b - ix.firstAtOrAfter(start, a, b);
      inWindow += n;
      if (s === 'failing') failingRuns += n;
      if (s === 'live') up += upIn(k, observedFrom);
    }
    return {
      days,
      uptime: observed > 0 ? Math.round((up / observed) * 1e6) / 1e6 : null,
      upSeconds: Math.round(up / 1000),
      observedSeconds: Math.round(observed / 1000),
      runs: inWindow,
      failingRuns,
    };
  });
  let runCount = 0;
  let simulatedRuns = 0;
  for (const r of ranges) {
    runCount += r.b - r.a;
    simulatedRuns += ix.simulatedIn(r.a, r.b);
  }
  return {
    id,
    claimed: last.row[1],
    maxAgeSeconds: last.row[4],
    state: lastChange.to,
    runs: runCount,
    simulatedRuns,
    firstRun: ref(runs[first.a]),
    lastRun: ref(runs[last.b - 1]),
    firstLive: firstLive ? ref(runs[firstLive.a]) : null,
    lastFailure: lastFailure ? ref(runs[lastFailure.b - 1]) : null,
    currentStreak: { state: lastChange.to, since: lastChange.at, runs: streakRuns },
    uptime,
    changes,
  };
}

export interface HistoryReport {
  format: 'trust-history/1';
  asOf: string;
  log: { dir: string; origin: string; size: number; root: string };
  runs: number;
  simulatedRuns: number;
  /** Said in words too, so no reader takes a demo history for a real one. */
  simulatedNote: string | null;
  runsWithoutVerdicts: number;
  controls: ControlTimeline[];
}

export function historyReport(h: { dir: string; checkpoint: { origin: string; size: number; root: string }; runs: Run[]; runsWithoutVerdicts: number }, asOf: Date, only?: string): HistoryReport {
  const runs = h.runs.filter((r) => r.t <= asOf.getTime());
  const ix = new RunIndex(runs);
  const ids = only ? [only] : ix.controlIds();
  const simulated = runs.filter((r) => r.simulated).length;
  return {
    format: 'trust-history/1',
    asOf: asOf.toISOString(),
    log: { dir: h.dir, ...h.checkpoint },
    runs: runs.length,
    simulatedRuns: simulated,
    simulatedNote: simulated ? `${simulated} of ${runs.length} runs are simulated: backdated by trust demo --history, not observed on a platform` : null,
    runsWithoutVerdicts: h.runsWithoutVerdicts,
    controls: ids.flatMap((id) => {
      const ranges = ix.ranges(id);
      return ranges.length ? [timelineOf(id, ix, ranges, asOf)] : [];
    }),
  };
}
