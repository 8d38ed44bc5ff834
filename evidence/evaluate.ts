/**
 * Evaluation: the middle phase. Pure: it reads the catalog and the collected facts
 * and nothing else (no database, no network, no file system), so the same facts
 * always give the same verdicts.
 */
import type { Catalog, Control, Status } from '../controls/types.ts';
import type { CheckDefinition, CheckResult, Finding } from '../controls/checks/types.ts';
import { runCheck } from '../controls/checks/types.ts';
import { findCheck as registryFindCheck } from '../controls/checks/registry.ts';
import type { FactSet } from '../collectors/types.ts';
import type { Bundle, ControlEvaluation, Verdict } from './types.ts';

/** One collector's output as stored in a bundle part (before hashing). */
export interface CollectedPart {
  collector: string;
  version: string;
  facts: unknown;
}

export type Summary = Bundle['summary'];

export interface EvaluateOptions {
  /**
   * Whether the assessed database server is operated by the platform (the embedded one) or
   * by someone else (DATABASE_URL): a control with an `external` claim is evaluated at that
   * claim on an external server. Unknown (undefined) counts as operated by the platform.
   */
  environment?: { kind: 'embedded' | 'external' };
  /** Check lookup; defaults to the registry. Tests pass their own. */
  findCheck?: (id: string) => CheckDefinition | undefined;
}

type Artifact = ControlEvaluation['artifacts'][number];
/** As the design collector reports it (it uses null where the catalog omits a field). */
type ReportedArtifact = { file: string; symbol?: string | null; resource?: string | null; found: boolean; line?: number | null; missing?: string | null };

/**
 * Artifact existence as reported by the design collector (part `design`).
 * Accepted shapes: `{ controls: [{ control, artifacts: [...] }] }` or
 * `{ artifacts: [{ control, file, symbol?, resource?, found, line?, missing? }] }`.
 */
export function designedArtifacts(facts: FactSet, control: Control): (Artifact & { missing?: string })[] {
  const design = facts.design as { controls?: { control: string; artifacts: ReportedArtifact[] }[]; artifacts?: (ReportedArtifact & { control: string })[] } | undefined;
  const reported: ReportedArtifact[] =
    design?.controls?.find((c) => c.control === control.id)?.artifacts ?? design?.artifacts?.filter((a) => a.control === control.id).map(({ control: _c, ...a }) => a) ?? [];
  // Every artifact the catalog names is listed; one the collector did not report counts as missing.
  return control.artifacts.map((named) => {
    const hit = reported.find((r) => r.file === named.file && (r.symbol ?? undefined) === named.symbol && (r.resource ?? undefined) === named.resource);
    const out: Artifact & { missing?: string } = { file: named.file, found: Boolean(hit?.found) };
    if (named.symbol) out.symbol = named.symbol;
    if (named.resource) out.resource = named.resource;
    if (hit?.found && hit.line) out.line = hit.line;
    if (!out.found) out.missing = hit?.missing ?? (hit ? undefined : 'the design collector did not report it');
    return out;
  });
}

function artifactName(a: Artifact): string {
  return a.file + (a.symbol ? `#${a.symbol}` : '') + (a.resource ? `#${a.resource}` : '');
}

function runChecks(control: Control, facts: FactSet, find: (id: string) => CheckDefinition | undefined): CheckResult[] {
  return control.checks.map((ref) => {
    const def = find(ref.check);
    if (!def) {
      return {
        check: ref.check,
        params: ref.params,
        status: 'error',
        collectors: [],
        findings: [{ status: 'error', reason: `Check ${ref.check} is not registered.`, origin: { resource: `check:${ref.check}` } }],
      } satisfies CheckResult;
    }
    return runCheck(def, facts, ref.params);
  });
}

/** Observed status from the evidence alone, ignoring the claim. */
export function observedStatus(checks: CheckResult[], artifacts: Artifact[]): Status {
  if (checks.length > 0 && checks.every((c) => c.status === 'pass')) return 'live';
  if (artifacts.length > 0 && artifacts.every((a) => a.found)) return 'designed';
  return 'roadmap';
}

export function evaluateControl(control: Control, facts: FactSet, find: (id: string) => CheckDefinition | undefined = registryFindCheck): ControlEvaluation {
  const checks = runChecks(control, facts, find);
  const reported = designedArtifacts(facts, control);
  const artifacts: Artifact[] = reported.map(({ missing: _m, ...a }) => a);
  const observed = observedStatus(checks, artifacts);
  const allPass = checks.length > 0 && checks.every((c) => c.status === 'pass');
  const failing = checks.flatMap((c) => c.findings.filter((f) => f.status !== 'pass').map((f) => ({ ...f, check: c.check })));
  let verdict: Verdict = 'holds';
  let findings: ControlEvaluation['findings'] = [];
  // No self-attestation: checks that read only the catalog's own text cannot make a claim live.
  const selfAttested = checks.length > 0 && control.checks.every((ref) => find(ref.check)?.catalogOnly === true);
  if (control.status === 'live' && selfAttested) {
    verdict = 'regression';
    findings = [
      {
        check: 'catalog',
        status: 'fail',
        kind: 'structure',
        reason: `Control ${control.id} claims live but every check it names reads only the catalog's own text, which proves nothing about the platform.`,
        origin: { resource: `control:${control.id}` },
      },
      ...failing,
    ];
  } else if (control.status === 'live' && !allPass) {
    verdict = 'regression';
    findings = checks.length
      ? failing
      : [{ check: 'catalog', status: 'fail', kind: 'structure', reason: `Control ${control.id} claims live but names no check, so nothing proves it.`, origin: { resource: `control:${control.id}` } }];
  } else if (control.status === 'designed') {
    const missing = reported.filter((a) => !a.found);
    if (artifacts.length === 0 || missing.length > 0) {
      verdict = 'unsupported';
      findings = missing.length
        ? missing.map((a) => ({
            check: 'design_artifact',
            status: 'fail' as const,
            reason: `Design artifact ${artifactName(a)} named by ${control.id} was not found in the repository${a.missing ? ` (${a.missing})` : ''}.`,
            origin: { resource: `file:${a.file}`, file: a.file },
          }))
        : [{ check: 'design_artifact', status: 'fail', reason: `Control ${control.id} claims designed but names no design artifact.`, origin: { resource: `control:${control.id}` } }];
    } else if (allPass) {
      verdict = 'ready_to_promote';
    }
  }
  return { control: control.id, claimed: control.status, observed, verdict, checks, artifacts, findings };
}

export function summarize(evaluations: ControlEvaluation[]): Summary {
  const zero = (): Record<Status, number> => ({ live: 0, designed: 0, roadmap: 0 });
  const claimed = zero();
  const observed = zero();
  for (const e of evaluations) {
    claimed[e.claimed]++;
    observed[e.observed]++;
  }
  const count = (v: Verdict) => evaluations.filter((e) => e.verdict === v).length;
  return { controls: evaluations.length, claimed, observed, regressions: count('regression'), unsupported: count('unsupported'), readyToPromote: count('ready_to_promote') };
}

/** Evaluates every control of the catalog, in catalog (id) order. */
export function evaluateCatalog(catalog: Pick<Catalog, 'controls'>, parts: Record<string, CollectedPart>, opts: EvaluateOptions = {}) {
  const facts: FactSet = Object.fromEntries(Object.entries(parts).map(([id, p]) => [id, p.facts]));
  const find = opts.findCheck ?? registryFindCheck;
  const external = opts.environment?.kind === 'external';
  const claimFor = (c: Control): Control => (external && c.external ? { ...c, status: c.external.status } : c);
  const evaluations = [...catalog.controls].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => evaluateControl(claimFor(c), facts, find));
  return { evaluations, summary: summarize(evaluations) };
}

export type { Finding };
