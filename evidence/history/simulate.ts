/**
 * Backdated runs for `trust demo --history 90d` and for tests: a history to show and test
 * the feature without waiting 90 days.
 *
 * Simulated runs are marked in every place a reader could meet them: the verdicts leaf
 * carries `simulated: true` (the gate never sets it), and the signed document each run
 * stores is a `trust-evidence-simulated-run/1`, not a bundle, saying so in its first
 * field. A real run cannot be mistaken for one and one cannot pass for a real run.
 * They are signed (DSSE, like a bundle) and logged like every run, so the history, the
 * period and `trust log prove` work on them exactly as on real runs.
 */
import { canonicalBytes, sha256Hex } from '../../platform/kernel/canonical.ts';
import { signBundle, serializeEnvelope } from '../bundle/dsse.ts';
import type { SigningKey } from '../bundle/keys.ts';
import { encodeLeaf, verdictsDigest, verdictsLeaves, type VerdictRow } from '../tlog/leaves.ts';
import { append, type AppendResult } from '../tlog/log.ts';
import type { NoteSigner } from '../tlog/note.ts';
import { storeBundle } from '../tlog/store.ts';
import { seededRandom } from '../../platform/demo/prng.ts';

export interface SimulatedRun {
  at: Date;
  catalogVersion: string;
  rows: VerdictRow[];
}

export const SIMULATED_NOTE = 'SIMULATED: backdated by trust demo --history to demonstrate the evidence history; not observed on any platform.';

/** The signed document of a simulated run (canonical JSON). */
export function simulatedRunBytes(run: SimulatedRun): Buffer {
  const evaluations = [...run.rows].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([control, claimed, observed, verdict]) => ({ control, claimed, observed, verdict }));
  return canonicalBytes({ format: 'trust-evidence-simulated-run/1', simulated: true, note: SIMULATED_NOTE, at: run.at.toISOString(), catalogVersion: run.catalogVersion, evaluations });
}

/** Leaves of one run (bundle leaf, then its verdicts), as the gate writes them, plus what to store. */
export function runLeaves(run: SimulatedRun, key: SigningKey, simulated = true): { leaves: Buffer[]; bytes: Buffer; envelope: Buffer; sha256: string } {
  const bytes = simulatedRunBytes(run);
  const sha256 = sha256Hex(bytes);
  const at = run.at.toISOString();
  const evaluations = run.rows.map(([control, claimed, observed, verdict]) => ({ control, claimed, observed, verdict }));
  const failing = run.rows.filter((r) => r[3] === 'regression' || r[3] === 'unsupported').length;
  const leaves = [
    encodeLeaf({ kind: 'bundle', v: 1, bundleSha256: sha256, catalogVersion: run.catalogVersion, verdictsSha256: verdictsDigest(evaluations), controls: run.rows.length, failing, at }),
    ...verdictsLeaves(sha256, at, run.rows, simulated).map(encodeLeaf),
  ];
  const envelope = serializeEnvelope(signBundle(bytes, key, { signedAt: run.at, catalogVersion: run.catalogVersion }));
  return { leaves, bytes, envelope, sha256 };
}

/** Stores and appends the runs in one append (one lock, one checkpoint). */
export async function appendSimulatedRuns(dir: string, signer: NoteSigner, key: SigningKey, runs: readonly SimulatedRun[]): Promise<AppendResult> {
  const leaves: Buffer[] = [];
  for (const run of runs) {
    const r = runLeaves(run, key);
    storeBundle(dir, r.bytes, r.envelope);
    leaves.push(...r.leaves);
  }
  return append(dir, leaves, signer);
}

export interface DemoHistoryControl {
  id: string;
  claimed: 'live' | 'designed' | 'roadmap';
  maxAgeSeconds: number;
}

export interface DemoHistoryPlan {
  runs: SimulatedRun[];
  /** The live control that regresses on day `regressionDay` and is fixed later. */
  regressed: string | null;
  regressionDay: number;
  /** Days (1-based) with no run at all: the monitor was down. */
  silentDays: number[];
}

/**
 * `days` days ending at `end`: a run about every hour (a few minutes of jitter, now and then
 * a missed hour), none at all on days 41 to 43 (the monitor was down, longer than a day's
 * maximum age), and one live control failing from day 60 for six hours, then fixed.
 */
export function planDemoHistory(o: { days: number; end: Date; controls: readonly DemoHistoryControl[]; catalogVersion: string; seed?: number; runsPerDay?: number }): DemoHistoryPlan {
  // Seeded, so the demo history is the same on every machine.
  const random = seededRandom(o.seed ?? 42);
  const perDay = o.runsPerDay ?? 24;
  const start = o.end.getTime() - o.days * 86_400_000;
  const silentDays = o.days >= 43 ? [41, 42, 43] : [];
  const regressionDay = Math.min(60, o.days);
  const live = o.controls
    .filter((c) => c.claimed === 'live')
    .map((c) => c.id)
    .sort();
  const regressed = live.includes('resource_region_pinned') ? 'resource_region_pinned' : (live[0] ?? null);
  const runs: SimulatedRun[] = [];
  const step = 86_400_000 / perDay;
  for (let day = 1; day <= o.days; day++) {
    for (let k = 0; k < perDay; k++) {
      const planned = start + (day - 1) * 86_400_000 + k * step;
      const jitter = Math.floor(random() * 6 * 60_000);
      const missed = random() < 0.03;
      if (silentDays.includes(day) || missed) continue;
      const t = Math.floor((planned + jitter) / 1000) * 1000;
      if (t >= o.end.getTime()) continue;
      // Failing from the start of the regression day for six hours.
      const failing = day === regressionDay && k < Math.ceil(perDay / 4);
      runs.push({
        at: new Date(t),
        catalogVersion: o.catalogVersion,
        rows: o.controls.map((c): VerdictRow => {
          if (c.id === regressed && failing) return [c.id, 'live', 'roadmap', 'regression', c.maxAgeSeconds];
          if (c.claimed === 'live') return [c.id, 'live', 'live', 'holds', c.maxAgeSeconds];
          return [c.id, c.claimed, c.claimed, 'holds', c.maxAgeSeconds];
        }),
      });
    }
  }
  return { runs, regressed, regressionDay, silentDays };
}
