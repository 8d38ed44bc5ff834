/**
 * Turning evaluations (and an optional baseline comparison) into the gate's
 * verdict: the list of failures, each with a one-line cause first.
 */
import type { Finding } from '../../controls/checks/types.ts';
import type { GateFailure } from '../mapping/baseline.ts';
import type { ControlEvaluation } from '../types.ts';
import { plural } from '../../platform/kernel/text/plural.ts';

export type { GateFailure };

export function originText(o: Finding['origin']): string {
  if (!o.file) return o.resource;
  const at = `${o.file}${o.line ? `:${o.line}` : ''}`;
  return o.resource === `file:${o.file}` ? `file:${at}` : `${o.resource} at ${at}`;
}

export function findingLine(f: ControlEvaluation['findings'][number]): string {
  // The kind of proof first, so the first line says how the promise was found broken.
  const verb = f.status === 'error' ? 'could not be evaluated' : 'failed';
  return `${f.kind ?? 'structure'}: ${f.reason}${f.observed ? ` [observed: ${f.observed}]` : ''} (${originText(f.origin)}; check ${f.check} ${verb})`;
}

export function evaluationFailures(evaluations: ControlEvaluation[]): GateFailure[] {
  const out: GateFailure[] = [];
  for (const e of evaluations) {
    if (e.verdict === 'stale') {
      // A published live claim backed by evidence older than the control allows (evidence/freshness.ts).
      out.push({
        kind: 'stale',
        control: e.control,
        message: `stale: ${e.control}: ${e.findings[0]?.reason ?? 'evidence older than its maximum age'}`,
        details: ['claimed live; every check passed, but too long ago'],
      });
      continue;
    }
    if (e.verdict !== 'regression' && e.verdict !== 'unsupported') continue;
    const lines = e.findings.map(findingLine);
    // What a reader needs: the claim and what let it down (the observed status alone said
    // "observed roadmap" for a live control whose check failed, which reads as a demotion).
    const failing = e.checks.filter((c) => c.status !== 'pass').length;
    const claim = e.verdict === 'regression' ? `claimed live; ${failing ? `${plural(failing, 'check')} failing` : 'not proven'}` : 'claimed designed; design artifact missing';
    out.push({
      kind: e.verdict,
      control: e.control,
      message: `${e.verdict}: ${e.control}: ${lines[0] ?? claim}`,
      details: [claim, ...lines.slice(1)],
    });
  }
  return out;
}
