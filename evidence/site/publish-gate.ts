/**
 * The site's publishing gate: a control the catalog claims is live must be observed
 * live by the engine. Anything else (a failing or erroring check, a regression) blocks
 * the build, so the site is never published showing a failing control as live.
 * Reads the engine's evaluation only; it does not re-judge checks.
 */
import type { Bundle } from '../types.ts';

export interface BlockedControl {
  control: string;
  observed: string;
  verdict: string;
  /** Failing checks with their first failing finding, for the error message. */
  failing: { check: string; status: string; reason: string; resource: string }[];
  summary: string;
}

export function liveControlsNotObservedLive(bundle: Bundle): BlockedControl[] {
  return bundle.evaluations
    .filter((e) => e.claimed === 'live' && (e.observed !== 'live' || e.verdict === 'regression'))
    .map((e) => {
      const failing = e.checks
        .filter((c) => c.status !== 'pass')
        .map((c) => {
          const f = c.findings.find((x) => x.status !== 'pass') ?? c.findings[0];
          return { check: c.check, status: c.status, reason: f?.reason ?? 'no finding', resource: f?.origin.resource ?? 'unknown' };
        });
      const why = failing.length ? failing.map((f) => `${f.check} ${f.status}: ${f.reason} (${f.resource})`).join(', ') : `observed ${e.observed}, verdict ${e.verdict}`;
      return { control: e.control, observed: e.observed, verdict: e.verdict, failing, summary: `control ${e.control} is claimed live but observed ${e.observed} (${why})` };
    });
}
