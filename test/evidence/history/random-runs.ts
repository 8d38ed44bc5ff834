/**
 * Random histories for the tests that hold the history's range computations (run-index.ts,
 * period-controls.ts) equal to their run-by-run definitions: mostly unchanged runs (so that rows
 * are shared, as the leaf cache shares them), now and then a changed or missing control, a new
 * catalog version, runs at one instant, long gaps, and gaps within a second of an hour (where
 * rounding to whole seconds decides). Seeded, so a failure can be replayed.
 */
import type { VerdictRow } from '../../../evidence/tlog/leaves.ts';
import type { Run } from '../../../evidence/history/read.ts';
import { seededRandom } from '../../../platform/demo/prng.ts';

/** The demo's seeded generator (mulberry32), under the name these tests use. */
export const rng = seededRandom;

export const IDS = ['a', 'b', 'c', 'd'];
export const HOUR = 3_600_000;

export function randomRuns(seed: number, shareRows: boolean): Run[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const rowOf = (id: string): VerdictRow => {
    const claimed = pick(['live', 'live', 'live', 'designed', 'roadmap'] as const);
    const verdict = claimed === 'live' ? pick(['holds', 'holds', 'holds', 'regression', 'unsupported', 'stale'] as const) : 'holds';
    return [id, claimed, claimed, verdict, pick([3600, 3600, 86_400, 7 * 86_400])];
  };
  let rows = new Map(IDS.map((id) => [id, rowOf(id)]));
  let version = '1.0.0';
  let t = Date.parse('2026-01-01T00:00:00Z');
  const runs: Run[] = [];
  const n = 50 + Math.floor(random() * 400);
  for (let i = 0; i < n; i++) {
    const x = random();
    // Three cadences by seed: irregular; exactly hourly (equal gaps, so ties for the longest); hourly within a second.
    const step = seed % 3 === 0 ? HOUR : seed % 3 === 1 ? HOUR + Math.floor(random() * 2000) - 1000 : Math.floor(HOUR * (0.5 + random()));
    t += x < 0.03 ? 0 : x < 0.08 ? Math.floor(random() * 5 * 86_400_000) : step;
    if (random() < 0.08) {
      rows = new Map(rows);
      const id = pick(IDS);
      if (random() < 0.3) rows.delete(id);
      else rows.set(id, rowOf(id));
    }
    if (random() < 0.02) version = `1.${i}.0`;
    const at = new Date(t).toISOString();
    runs.push({ leafIndex: 2 * i, at, t, bundleSha256: String(i).padStart(64, '0'), catalogVersion: version, failing: 0, simulated: random() < 0.5, rows: shareRows ? rows : new Map(rows) });
  }
  return runs;
}
