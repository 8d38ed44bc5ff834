/**
 * Each control's figures over an audit period (period.ts says what they mean), computed from the
 * control's ranges of runs with equal rows (run-index.ts) instead of run by run: evaluations and
 * passes are range lengths, a failing range lists its runs, and the gaps inside a range are read
 * from the index's tables (the longest, and those longer than the range's maximum age), so a
 * 90-day period of 24 runs a day costs each control its status changes, not its 2,000 runs.
 * Exceptions are made in the order the run-by-run walk makes them, then sorted by instant as it
 * sorts them: test/evidence/history/period-controls.test.ts holds the figures equal to that walk.
 */
import type { VerdictRow } from '../tlog/leaves.ts';
import type { Run } from './read.ts';
import { RunIndex, type RunRange } from './run-index.ts';
import type { InclusionProof, PeriodControl, PeriodException, PeriodRun } from './period.ts';

export function periodRun(r: Run): PeriodRun {
  return { at: r.at, bundleSha256: r.bundleSha256, leafIndex: r.leafIndex, catalogVersion: r.catalogVersion, simulated: r.simulated };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Every control evaluated by a run of the period, sorted by id. `inPeriod` are the period's runs
 * (by time), `all` every run of the log (for each control's latest run before the period), and
 * `until` the instant the last gap is judged up to.
 */
export function periodControls(all: readonly Run[], inPeriod: readonly Run[], from: number, until: number, prove: (leafIndex: number) => InclusionProof): PeriodControl[] {
  const ix = new RunIndex(inPeriod);
  const ids = ix.controlIds();
  // The run just before the period, per control: its evidence covers the period's start for its max age.
  const before = new Map<string, { run: Run; row: VerdictRow }>();
  const wanted = new Set(ids);
  for (let i = all.length - 1; i >= 0 && before.size < wanted.size; i--) {
    const r = all[i];
    if (r.t >= from) continue;
    for (const [id, row] of r.rows) if (wanted.has(id) && !before.has(id)) before.set(id, { run: r, row });
  }
  return ids.map((id) => periodControl(id, ix, ix.ranges(id), before.get(id), from, until, prove));
}

function periodControl(
  id: string,
  ix: RunIndex,
  ranges: readonly RunRange[],
  before: { run: Run; row: VerdictRow } | undefined,
  from: number,
  until: number,
  prove: (leafIndex: number) => InclusionProof,
): PeriodControl {
  const { runs, t } = ix;
  const exceptions: PeriodException[] = [];
  let evaluations = 0;
  let passed = 0;
  let notLive = 0;
  let firstNotLive: RunRange | undefined;
  for (const r of ranges) {
    const n = r.b - r.a;
    evaluations += n;
    if (r.state === 'live') passed += n;
    else if (r.state === 'failing' || r.state === 'stale') {
      for (let i = r.a; i < r.b; i++) {
        const run = runs[i];
        exceptions.push({
          kind: 'failed-run',
          at: run.at,
          description: `run of ${run.at} (bundle ${run.bundleSha256.slice(0, 12)}, log entry ${run.leafIndex}) judged the claim ${r.row[3]}`,
          run: { ...periodRun(run), verdict: r.row[3], state: r.state, inclusionProof: prove(run.leafIndex) },
        });
      }
    } else {
      notLive += n;
      firstNotLive ??= r;
    }
  }
  if (firstNotLive) {
    const first = runs[firstNotLive.a];
    exceptions.push({ kind: 'not-claimed-live', at: first.at, description: `${notLive} of ${evaluations} runs show the control claimed ${firstNotLive.state}, not live (first ${first.at})` });
  }

  // Gaps, in order: from the evidence before the period (or the period's start) to the first run,
  // between runs (inside a range from the index's tables), and from the last run to the end.
  let longest: PeriodControl['longestGap'] = null;
  const gap = (a: number, b: number, maxAge: number, kind: 'gap' | 'not-evaluated', tooLong = true) => {
    if (b <= a) return;
    const seconds = Math.round((b - a) / 1000);
    if (!longest || seconds > longest.seconds) longest = { from: iso(a), to: iso(b), seconds };
    if (tooLong && seconds > maxAge) {
      exceptions.push({
        kind,
        at: iso(a),
        description: `no evaluation from ${iso(a)} to ${iso(b)} (${(seconds / 3600).toFixed(1)} h), longer than the maximum evidence age of ${(maxAge / 3600).toFixed(1)} h`,
        gap: { from: iso(a), to: iso(b), seconds, maxAgeSeconds: maxAge },
      });
    }
  };
  gap(before ? before.run.t : from, t[ranges[0].a], before ? before.row[4] : ranges[0].row[4], before ? 'gap' : 'not-evaluated');
  for (let k = 0; k < ranges.length; k++) {
    const { a, b, row } = ranges[k];
    const maxAge = row[4];
    // Inside the range only its first longest gap can be the longest (ties keep the first), and
    // only gaps longer than its maximum age are exceptions: the index finds both.
    const longestInside = ix.longestGap(a, b - 1);
    if (longestInside >= 0) gap(t[longestInside], t[longestInside + 1], maxAge, 'gap', false);
    for (const i of ix.longGapsInSeconds(maxAge, a, b - 1)) gap(t[i], t[i + 1], maxAge, 'gap');
    gap(t[b - 1], k + 1 < ranges.length ? t[ranges[k + 1].a] : until, maxAge, 'gap');
  }
  exceptions.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));

  const versions = new Map<string, PeriodControl['catalogVersions'][number]>();
  for (const r of ranges)
    for (const [a, b, version] of ix.versionsIn(r.a, r.b)) {
      const v = versions.get(version);
      if (v) {
        v.runs += b - a;
        v.last = runs[b - 1].at;
      } else versions.set(version, { catalogVersion: version, maxAgeSeconds: r.row[4], runs: b - a, first: runs[a].at, last: runs[b - 1].at });
    }
  const last = ranges[ranges.length - 1];
  return {
    id,
    claimed: last.row[1],
    operatedThroughout: exceptions.length === 0,
    evaluations,
    passed,
    passRate: evaluations ? Math.round((passed / evaluations) * 1e6) / 1e6 : null,
    first: periodRun(runs[ranges[0].a]),
    last: periodRun(runs[last.b - 1]),
    longestGap: longest,
    maxAgeSeconds: last.row[4],
    catalogVersions: [...versions.values()],
    exceptions,
  };
}
