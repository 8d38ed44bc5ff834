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

/** One control's runs up to the as-of instant, with its row and state in each (runs[i] shows rows[i]). */
interface Evaluations {
  runs: Run[];
  rows: VerdictRow[];
  states: State[];
}

/** Each control's evaluations in `runs` (sorted by time) up to `endMs`: one pass over the runs per control, a lookup each. */
function evaluationsByControl(runs: readonly Run[], endMs: number, only?: string): Map<string, Evaluations> {
  const upTo: Run[] = [];
  for (const r of runs) if (r.t <= endMs) upTo.push(r);
  const by = new Map<string, Evaluations>();
  for (const id of only !== undefined ? [only] : controlIds(upTo)) {
    const e: Evaluations = { runs: [], rows: [], states: [] };
    for (const r of upTo) {
      const row = r.rows.get(id);
      if (!row) continue;
      e.runs.push(r);
      e.rows.push(row);
      e.states.push(stateOf(row));
    }
    if (e.runs.length) by.set(id, e);
  }
  return by;
}

/** Live intervals [from, to) in ms of one control, each clipped at the max age of the run that opened it. */
export function liveIntervals(runs: readonly Run[], id: string, endMs: number): [number, number][] {
  const e = evaluationsByControl(runs, endMs, id).get(id);
  return e ? intervalsOf(e, endMs) : [];
}

function intervalsOf({ runs, rows, states }: Evaluations, endMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < runs.length; i++) {
    if (states[i] !== 'live') continue;
    const t = runs[i].t;
    const next = i + 1 < runs.length ? runs[i + 1].t : endMs;
    const to = Math.min(next, t + rows[i][4] * 1000);
    if (to > t) out.push([t, to]);
  }
  return out;
}

export function timeline(runs: readonly Run[], id: string, asOf: Date): ControlTimeline | null {
  const e = evaluationsByControl(runs, asOf.getTime(), id).get(id);
  return e ? timelineOf(id, e, asOf) : null;
}

function timelineOf(id: string, e: Evaluations, asOf: Date): ControlTimeline {
  const end = asOf.getTime();
  const { runs, rows, states } = e;
  const n = runs.length;
  const changes: Change[] = [];
  let state: State | null = null;
  let streakRuns = 0;
  for (let i = 0; i < n; i++) {
    const r = runs[i];
    const s = states[i];
    if (s !== state) {
      changes.push({ ...ref(r), from: state, to: s });
      state = s;
      streakRuns = 0;
    }
    streakRuns++;
    const next = i + 1 < n ? runs[i + 1].t : end;
    const maxAge = rows[i][4];
    if (s === 'live' && next - r.t > maxAge * 1000) {
      changes.push({ ...ref(r), at: new Date(r.t + maxAge * 1000).toISOString(), from: state, to: 'stale', derived: `no run within ${durationText(maxAge)} of ${r.at}` });
      state = 'stale';
      streakRuns = 0;
    }
  }
  const firstLive = states.indexOf('live');
  const lastFailure = states.lastIndexOf('failing');
  const lastChange = changes[changes.length - 1];
  const intervals = intervalsOf(e, end);
  const uptime = UPTIME_WINDOWS_DAYS.map((days): Uptime => {
    const start = end - days * 86_400_000;
    const observedFrom = Math.max(start, runs[0].t);
    const observed = Math.max(0, end - observedFrom);
    let up = 0;
    for (const [a, b] of intervals) up += Math.max(0, Math.min(b, end) - Math.max(a, observedFrom));
    let inWindow = 0;
    let failingRuns = 0;
    for (let i = 0; i < n; i++)
      if (runs[i].t >= start) {
        inWindow++;
        if (states[i] === 'failing') failingRuns++;
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
  let simulatedRuns = 0;
  for (const r of runs) if (r.simulated) simulatedRuns++;
  return {
    id,
    claimed: rows[n - 1][1],
    maxAgeSeconds: rows[n - 1][4],
    state: lastChange.to,
    runs: n,
    simulatedRuns,
    firstRun: ref(runs[0]),
    lastRun: ref(runs[n - 1]),
    firstLive: firstLive >= 0 ? ref(runs[firstLive]) : null,
    lastFailure: lastFailure >= 0 ? ref(runs[lastFailure]) : null,
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
  const by = evaluationsByControl(runs, asOf.getTime(), only);
  const ids = only ? [only] : [...by.keys()].sort();
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
      const e = by.get(id);
      return e ? [timelineOf(id, e, asOf)] : [];
    }),
  };
}
