/**
 * Freshness: how old a live claim's evidence may be before the claim is `stale`.
 *
 * Where `stale` is decided (the only place): here, in the engine, by `judgeFreshness`.
 * A control's evidence has an instant, `evidenceAt` (when the facts that made it pass were
 * read); a claim is judged at an instant, `judgedAt`. A live claim whose verdict holds
 * becomes `stale` when judgedAt - evidenceAt exceeds the control's `maxEvidenceAge`.
 * - In a gate run the evidence is read in that run, so evidenceAt = min(as-of, database
 *   clock): fresh by construction, unless `--as-of` is later than the database clock (the
 *   gate then judges the evidence at that later instant, which is how an auditor asks
 *   "would this still hold on day X with no newer run?").
 * - `trust report`, `trust oscal` and `trust site` render a signed bundle later: they call
 *   `rejudge(bundle, judgedAt)` with their own clock (default: now, `--as-of` to pin), so
 *   a bundle older than its controls' maximum age renders `stale`. The signed bytes are
 *   not changed; the renderers then read the verdict as they read any other.
 * - `trust history` and `trust period` judge from the log: a passing run keeps a control
 *   up for at most its maximum age (evidence/history/timeline.ts).
 * Renderers never compute it: they print `verdict === 'stale'` as the engine wrote it.
 */
import { InputError } from '../platform/kernel/errors.ts';
import type { Control } from '../controls/types.ts';
import type { Bundle, ControlEvaluation } from './types.ts';

/** What a control that declares nothing may be: a day, the cadence of a daily CI run. */
export const DEFAULT_MAX_EVIDENCE_AGE = '24h';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
/** The catalog's duration syntax: a positive whole number and one unit (s, m, h, d, w). */
export const DURATION_PATTERN = '^[1-9][0-9]{0,5}[smhdw]$';

/** "24h" -> 86400. Throws an InputError naming `what` on anything else. */
export function parseDuration(text: string, what = 'duration'): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new InputError(`${what} ${JSON.stringify(text)}: expected a whole number and a unit (s, m, h, d, w), such as 24h or 7d`);
  return Number(text.slice(0, -1)) * UNIT_SECONDS[text.slice(-1)];
}

/** "86400" -> "24h": the largest unit that divides the number, for messages. */
export function formatDuration(seconds: number): string {
  for (const u of ['w', 'd', 'h', 'm'] as const) if (seconds >= UNIT_SECONDS[u] && seconds % UNIT_SECONDS[u] === 0) return `${seconds / UNIT_SECONDS[u]}${u}`;
  return `${seconds}s`;
}

/** A control's maximum evidence age in seconds (its `maxEvidenceAge`, else the default). */
export function maxAgeSeconds(control: Pick<Control, 'maxEvidenceAge'>): number {
  return parseDuration(control.maxEvidenceAge ?? DEFAULT_MAX_EVIDENCE_AGE, 'maxEvidenceAge');
}

export interface FreshnessClock {
  /** When the facts were read (for a gate run: min(as-of, database clock)). */
  evidenceAt: Date;
  /** The instant the claims are judged at (the as-of). */
  judgedAt: Date;
}

/**
 * Records each evaluation's evidence instant and maximum age, and turns a holding live claim
 * whose evidence is too old into `stale`. Evaluations that do not hold keep their verdict:
 * a regression says more than staleness.
 */
export function judgeFreshness(evaluations: readonly ControlEvaluation[], controls: readonly Pick<Control, 'id' | 'maxEvidenceAge'>[], clock: FreshnessClock): ControlEvaluation[] {
  const byId = new Map(controls.map((c) => [c.id, c]));
  return evaluations.map((e) => {
    const control = byId.get(e.control);
    if (!control) return e;
    const maxAge = maxAgeSeconds(control);
    // A passing run's facts are its evidence; a failing one's latest passing evidence is older
    // and lives in the log, not here: the freshness of a failing claim is not asked.
    const freshness = { evidenceAt: clock.evidenceAt.toISOString(), maxAgeSeconds: maxAge };
    return judgeOne({ ...e, freshness }, clock.judgedAt);
  });
}

function judgeOne(e: ControlEvaluation, judgedAt: Date): ControlEvaluation {
  if (!e.freshness) return e;
  const age = (judgedAt.getTime() - Date.parse(e.freshness.evidenceAt)) / 1000;
  const stale = e.claimed === 'live' && e.observed === 'live' && (e.verdict === 'holds' || e.verdict === 'stale') && age > e.freshness.maxAgeSeconds;
  if (stale) {
    return {
      ...e,
      verdict: 'stale',
      findings: [
        {
          check: 'freshness',
          status: 'fail',
          kind: 'data',
          reason: `The latest passing evidence of ${e.control} was read at ${e.freshness.evidenceAt}, ${formatDuration(Math.floor(age))} before ${judgedAt.toISOString()}, older than its maximum evidence age of ${formatDuration(e.freshness.maxAgeSeconds)}.`,
          origin: { resource: `control:${e.control}` },
        },
      ],
    };
  }
  return e;
}

/**
 * The same signed bundle judged at a later instant (trust report, oscal, site). The bundle
 * bytes stay as signed; what changes is only which holding live claims have gone stale.
 * Evaluations without a recorded evidence instant (bundles from before freshness) are kept
 * as they are: nothing says when their evidence was read.
 */
export function rejudge(bundle: Bundle, judgedAt: Date): Bundle {
  const evaluations = bundle.evaluations.map((e) => judgeOne(e, judgedAt));
  if (evaluations.every((e, i) => e === bundle.evaluations[i])) return bundle;
  return { ...bundle, evaluations };
}

/** The controls whose claim is stale, for the gate's one-line cause. */
export function staleControls(evaluations: readonly ControlEvaluation[]): string[] {
  return evaluations.filter((e) => e.verdict === 'stale').map((e) => e.control);
}
