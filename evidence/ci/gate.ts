/**
 * Turning evaluations (and an optional baseline comparison) into the gate's
 * verdict: the list of failures, each with a one-line cause first.
 */
import type { Finding } from '../../controls/checks/types.ts';
import type { GateFailure } from '../mapping/baseline.ts';
import type { ControlEvaluation } from '../types.ts';

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
    if (e.verdict !== 'regression' && e.verdict !== 'unsupported') continue;
    const lines = e.findings.map(findingLine);
    const claim = e.verdict === 'regression' ? 'claimed live' : 'claimed designed';
    out.push({
      kind: e.verdict,
      control: e.control,
      message: `${e.verdict}: ${e.control}: ${lines[0] ?? `${claim} but observed ${e.observed}`}`,
      details: [`${claim}, observed ${e.observed}`, ...lines.slice(1)],
    });
  }
  return out;
}
