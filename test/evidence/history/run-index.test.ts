/**
 * Timelines computed from ranges of runs (evidence/history/run-index.ts) equal the run-by-run
 * definition written out here: on random histories with gaps longer and shorter than the maximum
 * age, runs at the same instant, controls missing from some runs, stale and failing verdicts,
 * maximum ages changing between runs, and runs sharing their rows (as the leaf cache gives them)
 * or not; judged at instants before, at and after runs.
 */
import { describe, expect, it } from 'vitest';
import type { Run } from '../../../evidence/history/read.ts';
import { HOUR, IDS, randomRuns } from './random-runs.ts';
import { historyReport, stateOf, UPTIME_WINDOWS_DAYS, type Change, type ControlTimeline, type RunRef, type State } from '../../../evidence/history/timeline.ts';

const ref = (r: Run): RunRef => ({ at: r.at, bundleSha256: r.bundleSha256, leafIndex: r.leafIndex, catalogVersion: r.catalogVersion, simulated: r.simulated });
const durationText = (s: number) => (s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

/** The definition, one run at a time. */
function plainTimeline(runs: readonly Run[], id: string, asOf: Date): ControlTimeline | null {
  const end = asOf.getTime();
  const mine = runs.filter((r) => r.t <= end && r.rows.has(id)).map((r) => ({ r, row: r.rows.get(id)!, s: stateOf(r.rows.get(id)!) }));
  if (!mine.length) return null;
  const changes: Change[] = [];
  let state: State | null = null;
  let streak = 0;
  const intervals: [number, number][] = [];
  mine.forEach(({ r, row, s }, i) => {
    if (s !== state) {
      changes.push({ ...ref(r), from: state, to: s });
      state = s;
      streak = 0;
    }
    streak++;
    const next = i + 1 < mine.length ? mine[i + 1].r.t : end;
    if (s === 'live' && Math.min(next, r.t + row[4] * 1000) > r.t) intervals.push([r.t, Math.min(next, r.t + row[4] * 1000)]);
    if (s === 'live' && next - r.t > row[4] * 1000) {
      changes.push({ ...ref(r), at: new Date(r.t + row[4] * 1000).toISOString(), from: state, to: 'stale', derived: `no run within ${durationText(row[4])} of ${r.at}` });
      state = 'stale';
      streak = 0;
    }
  });
  const last = mine[mine.length - 1];
  const firstLive = mine.find((m) => m.s === 'live');
  const lastFailure = [...mine].reverse().find((m) => m.s === 'failing');
  const lastChange = changes[changes.length - 1];
  return {
    id,
    claimed: last.row[1],
    maxAgeSeconds: last.row[4],
    state: lastChange.to,
    runs: mine.length,
    simulatedRuns: mine.filter((m) => m.r.simulated).length,
    firstRun: ref(mine[0].r),
    lastRun: ref(last.r),
    firstLive: firstLive ? ref(firstLive.r) : null,
    lastFailure: lastFailure ? ref(lastFailure.r) : null,
    currentStreak: { state: lastChange.to, since: lastChange.at, runs: streak },
    uptime: UPTIME_WINDOWS_DAYS.map((days) => {
      const start = end - days * 86_400_000;
      const observedFrom = Math.max(start, mine[0].r.t);
      const observed = Math.max(0, end - observedFrom);
      let up = 0;
      for (const [a, b] of intervals) up += Math.max(0, Math.min(b, end) - Math.max(a, observedFrom));
      const inWindow = mine.filter((m) => m.r.t >= start);
      return {
        days,
        uptime: observed > 0 ? Math.round((up / observed) * 1e6) / 1e6 : null,
        upSeconds: Math.round(up / 1000),
        observedSeconds: Math.round(observed / 1000),
        runs: inWindow.length,
        failingRuns: inWindow.filter((m) => m.s === 'failing').length,
      };
    }),
    changes,
  };
}

describe('timelines from ranges of runs', () => {
  it('equal the run-by-run definition on random histories', () => {
    for (let seed = 1; seed <= 60; seed++) {
      for (const share of [true, false]) {
        const runs = randomRuns(seed, share);
        const last = runs[runs.length - 1].t;
        const instants = [runs[0].t - 1, runs[Math.floor(runs.length / 2)].t, last, last + 30 * 60_000, last + 3 * 86_400_000, last + 400 * 86_400_000];
        for (const at of instants) {
          const asOf = new Date(at);
          const h = { dir: 'x', checkpoint: { origin: 'o', size: 1, root: 'r' }, runs, runsWithoutVerdicts: 0 };
          const got = historyReport(h, asOf).controls;
          const want = IDS.map((id) => plainTimeline(runs, id, asOf)).filter((x): x is ControlTimeline => x !== null);
          expect(got, `seed ${seed}, shared ${share}, as of ${asOf.toISOString()}`).toEqual(want);
          expect(historyReport(h, asOf, 'c').controls, `seed ${seed}, only c`).toEqual(want.filter((c) => c.id === 'c'));
        }
      }
    }
  });

  it('the random histories exercise what they should', () => {
    const all = Array.from({ length: 60 }, (_, i) => randomRuns(i + 1, true));
    const report = (runs: Run[]) => historyReport({ dir: 'x', checkpoint: { origin: 'o', size: 1, root: 'r' }, runs, runsWithoutVerdicts: 0 }, new Date(runs[runs.length - 1].t + HOUR));
    const changes = all.flatMap((runs) => report(runs).controls.flatMap((c) => c.changes));
    expect(changes.some((c) => c.derived)).toBe(true);
    expect(changes.some((c) => c.from === 'stale' && c.to === 'live')).toBe(true);
    expect(changes.some((c) => c.to === 'failing')).toBe(true);
    expect(all.some((runs) => runs.some((r, i) => i > 0 && r.t === runs[i - 1].t))).toBe(true);
    expect(all.some((runs) => runs.some((r) => r.rows.size < IDS.length))).toBe(true);
  });
});
