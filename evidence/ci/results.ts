/** results.json: the gate's outcome in one machine-readable file (also `--json`). */
import type { Bundle } from '../types.ts';
import type { GateFailure } from '../mapping/baseline.ts';

export interface GateResults {
  format: 'trust-check-results/1';
  ok: boolean;
  exitCode: 0 | 1;
  catalogVersion: string;
  catalogSha256: string;
  bundleSha256: string;
  developmentSigningKey: boolean;
  summary: Bundle['summary'];
  failures: GateFailure[];
  readyToPromote: string[];
  controls: { id: string; claimed: string; observed: string; verdict: string; checks: { check: string; status: string }[]; findings: Bundle['evaluations'][number]['findings'] }[];
}

export function buildResults(bundle: Bundle, bundleSha256: string, failures: GateFailure[]): GateResults {
  const ok = failures.length === 0;
  return {
    format: 'trust-check-results/1',
    ok,
    exitCode: ok ? 0 : 1,
    catalogVersion: bundle.catalog.version,
    catalogSha256: bundle.catalog.sha256,
    bundleSha256,
    developmentSigningKey: bundle.developmentSigningKey,
    summary: bundle.summary,
    failures,
    readyToPromote: bundle.evaluations.filter((e) => e.verdict === 'ready_to_promote').map((e) => e.control),
    controls: bundle.evaluations.map((e) => ({
      id: e.control,
      claimed: e.claimed,
      observed: e.observed,
      verdict: e.verdict,
      checks: e.checks.map((c) => ({ check: c.check, status: c.status })),
      findings: e.findings,
    })),
  };
}
