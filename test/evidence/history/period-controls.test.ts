/**
 * A period's per-control figures computed from ranges of runs (evidence/history/period-controls.ts)
 * equal the run-by-run definition written out here, on random histories (random-runs.ts) cut into
 * periods that start before, inside and after runs, with the run before the period or without,
 * ending at the last run or later: evaluations, passes, every failing run with its proof (in
 * order), gaps and the longest one (first of equals, in rounded seconds), catalog versions.
 */
import { describe, expect, it } from 'vitest';
import type { VerdictRow } from '../../../evidence/tlog/leaves.ts';
import type { Run } from '../../../evidence/history/read.ts';
import type { InclusionProof, PeriodControl, PeriodException } from '../../../evidence/history/period.ts';
import { iso, periodControls, periodRun } from '../../../evidence/history/period-controls.ts';
import { stateOf } from '../../../evidence/history/timeline.ts';
import { HOUR, randomRuns, rng } from './random-runs.ts';

/** The definition: every control's runs of the period walked one by one. */
function plainControls(all: readonly Run[], inPeriod: readonly Run[], from: number, until: number, prove: (leafIndex: number) => InclusionProof): PeriodControl[] {
  const ids = [...new Set(inPeriod.flatMap((r) => [...r.rows.keys()]))].sort();
  return ids.map((id) => {
    const runs = inPeriod.filter((r) => r.rows.has(id));
    const rows = runs.map((r) => r.rows.get(id)!);
    const earlier = all.filter((r) => r.t < from && r.rows.has(id));
    const before = earlier.length ? { run: earlier[earlier.length - 1], row: earlier[earlier.length - 1].rows.get(id)! as VerdictRow } : undefined;
    const exceptions: PeriodException[] = [];
    let passed = 0;
    let notLive = 0;
    let firstNotLive = -1;
    runs.forEach((r, i) => {
      const s = stateOf(rows[i]);
      if (s === 'live') passed++;
      else if (s === 'failing' || s === 'stale')
        exceptions.push({
          kind: 'failed-run',
          at: r.at,
          description: `run of ${r.at} (bundle ${r.bundleSha256.slice(0, 12)}, log entry ${r.leafIndex}) judged the claim ${rows[i][3]}`,
          run: { ...periodRun(r), verdict: rows[i][3], state: s, inclusionProof: prove(r.leafIndex) },
        });
      else {
        notLive++;
        if (firstNotLive < 0) firstNotLive = i;
      }
    });
    if (notLive)
      exceptions.push({
        kind: 'not-claimed-live',
        at: runs[firstNotLive].at,
        description: `${notLive} of ${runs.length} runs show the control claimed ${stateOf(rows[firstNotLive])}, not live (first ${runs[firstNotLive].at})`,
      });
    const points = [before ? { t: before.run.t, maxAge: before.row[4] } : { t: from, maxAge: rows[0][4] }, ...runs.map((r, i) => ({ t: r.t, maxAge: rows[i][4] }))];
    let longest: PeriodControl['longestGap'] = null;
    points.forEach((p, i) => {
      const b = i + 1 < points.length ? points[i + 1].t : until;
      const seconds = Math.round((b - p.t) / 1000);
      if (b <= p.t) return;
      if (!longest || seconds > longest.seconds) longest = { from: iso(p.t), to: iso(b), seconds };
      if (seconds > p.maxAge)
        exceptions.push({
          kind: i === 0 && !before ? 'not-evaluated' : 'gap',
          at: iso(p.t),
          description: `no evaluation from ${iso(p.t)} to ${iso(b)} (${(seconds / 3600).toFixed(1)} h), longer than the maximum evidence age of ${(p.maxAge / 3600).toFixed(1)} h`,
          gap: { from: iso(p.t), to: iso(b), seconds, maxAgeSeconds: p.maxAge },
        });
    });
    exceptions.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    const versions = new Map<string, PeriodControl['catalogVersions'][number]>();
    runs.forEach((r, i) => {
      const v = versions.get(r.catalogVersion);
      if (v) {
        v.runs++;
        v.last = r.at;
      } else versions.set(r.catalogVersion, { catalogVersion: r.catalogVersion, maxAgeSeconds: rows[i][4], runs: 1, first: r.at, last: r.at });
    });
    return {
      id,
      claimed: rows[rows.length - 1][1],
      operatedThroughout: exceptions.length === 0,
      evaluations: runs.length,
      passed,
      passRate: Math.round((passed / runs.length) * 1e6) / 1e6,
      first: periodRun(runs[0]),
      last: periodRun(runs[runs.length - 1]),
      longestGap: longest,
      maxAgeSeconds: rows[rows.length - 1][4],
      catalogVersions: [...versions.values()],
      exceptions,
    };
  });
}

const prove = (leafIndex: number): InclusionProof => ({ leafIndex, treeSize: 0, root: '', leafHash: '', hashes: [], prove: `leaf ${leafIndex}` });

describe('period figures from ranges of runs', () => {
  it('equal the run-by-run definition on random histories and periods', () => {
    let checked = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const random = rng(1000 + seed);
      for (const share of [true, false]) {
        const all = randomRuns(seed, share);
        const first = all[0].t;
        const last = all[all.length - 1].t;
        for (let k = 0; k < 4; k++) {
          // A start before the log, inside it (on a run or between two), and an end at the last run or after it.
          const from = k === 0 ? first - HOUR : k === 1 ? all[Math.floor(random() * all.length)].t : first + Math.floor(random() * (last - first));
          const until = Math.max(from, k === 3 ? last + Math.floor(random() * 3 * 86_400_000) : last);
          const inPeriod = all.filter((r) => r.t >= from && r.t <= until);
          if (!inPeriod.length) continue;
          expect(periodControls(all, inPeriod, from, until, prove), `seed ${seed}, shared ${share}, period ${k}`).toEqual(plainControls(all, inPeriod, from, until, prove));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });
});
