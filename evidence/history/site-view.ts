/**
 * The evidence history prepared for renderers (the site), from the document `trust history
 * --json` prints (evidence/history/published.ts computes it for the log the site publishes,
 * judged at the bundle's signing time), so every figure a page shows is one that
 * `trust history --json --dir <log> --as-of <signedAt>` prints as well.
 *
 * What is shaped here, so that no renderer derives a state: the 90-day window of each
 * control as segments of one state each (read off the timeline's changes, the same rule
 * as its uptime: a passing run keeps a control up for at most its maximum evidence age),
 * whether there is a history worth drawing at all, and the claim changes for the feed,
 * each named up, down, stale or first. Pure: no clock, no file.
 */
import type { Change, ControlTimeline, HistoryReport, State, Uptime } from './timeline.ts';

export type { Change as HistoryChange, ControlTimeline, HistoryReport, RunRef, State as HistoryState, Uptime } from './timeline.ts';

/** The days the timeline drawn per control covers, ending at the history's as-of instant. */
export const TIMELINE_DAYS = 90;

/** One stretch of the window in one state; `none` before the control's first run. */
export interface TimelineSegment {
  state: State | 'none';
  from: string;
  to: string;
  /** Where it starts and ends, as shares of the window (0..1, 6 decimals). */
  start: number;
  end: number;
}

export interface ControlHistory extends ControlTimeline {
  timeline: {
    days: number;
    from: string;
    to: string;
    segments: TimelineSegment[];
    /** The changes inside the window, oldest first (the timeline's text alternative lists them). */
    changes: Change[];
  };
  /** Uptime over the timeline's window (the entry of `uptime` for TIMELINE_DAYS). */
  windowUptime: Uptime | null;
  /** False when there is nothing to draw: a single run, or no time observed after the first run. */
  drawable: boolean;
}

export interface HistoryView {
  asOf: string;
  runs: number;
  simulatedRuns: number;
  simulatedNote: string | null;
  log: HistoryReport['log'];
  controls: Map<string, ControlHistory>;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The state of one control over [end - days, end), from its changes (each holds until the next). */
export function windowSegments(changes: readonly Change[], end: Date, days = TIMELINE_DAYS): TimelineSegment[] {
  const endMs = end.getTime();
  const startMs = endMs - days * 86_400_000;
  const span = endMs - startMs;
  const raw: { state: State | 'none'; a: number; b: number }[] = [];
  let state: State | 'none' = 'none';
  let since = -Infinity;
  const push = (until: number) => {
    const a = Math.max(since, startMs);
    const b = Math.min(until, endMs);
    if (b <= a) return;
    const last = raw[raw.length - 1];
    if (last && last.state === state && last.b === a) last.b = b;
    else raw.push({ state, a, b });
  };
  for (const ch of changes) {
    const t = Date.parse(ch.at);
    push(t);
    state = ch.to;
    since = t;
  }
  push(endMs);
  return raw.map((s) => ({ state: s.state, from: new Date(s.a).toISOString(), to: new Date(s.b).toISOString(), start: round6((s.a - startMs) / span), end: round6((s.b - startMs) / span) }));
}

export function controlHistory(t: ControlTimeline, asOf: Date): ControlHistory {
  const startMs = asOf.getTime() - TIMELINE_DAYS * 86_400_000;
  const windowUptime = t.uptime.find((u) => u.days === TIMELINE_DAYS) ?? null;
  return {
    ...t,
    timeline: {
      days: TIMELINE_DAYS,
      from: new Date(startMs).toISOString(),
      to: asOf.toISOString(),
      segments: windowSegments(t.changes, asOf),
      changes: t.changes.filter((c) => Date.parse(c.at) >= startMs && Date.parse(c.at) <= asOf.getTime()),
    },
    windowUptime,
    drawable: t.runs > 1 && (windowUptime?.observedSeconds ?? 0) > 0,
  };
}

export function historyView(r: HistoryReport): HistoryView {
  const asOf = new Date(r.asOf);
  return {
    asOf: r.asOf,
    runs: r.runs,
    simulatedRuns: r.simulatedRuns,
    simulatedNote: r.simulatedNote,
    log: r.log,
    controls: new Map(r.controls.map((c) => [c.id, controlHistory(c, asOf)])),
  };
}

/** How a claim moved: first seen, up (towards live), down (away from it), or stale (no fresh evidence). */
export type ClaimChangeKind = 'first' | 'up' | 'down' | 'stale';

export interface ClaimChange extends Change {
  control: string;
  kind: ClaimChangeKind;
}

const RANK: Record<State, number> = { live: 3, designed: 2, roadmap: 1, stale: 0, failing: 0 };

export function changeKind(c: Pick<Change, 'from' | 'to'>): ClaimChangeKind {
  if (c.from === null) return 'first';
  if (c.to === 'stale') return 'stale';
  return RANK[c.to] > RANK[c.from] ? 'up' : 'down';
}

/** Every change of every control, newest first (then by control id); at most `limit`. */
export function claimChanges(r: HistoryReport, limit = Infinity): ClaimChange[] {
  const all: ClaimChange[] = [];
  for (const c of r.controls) for (const ch of c.changes) all.push({ ...ch, control: c.id, kind: changeKind(ch) });
  all.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.control < b.control ? -1 : a.control > b.control ? 1 : 0));
  return all.slice(0, limit);
}
