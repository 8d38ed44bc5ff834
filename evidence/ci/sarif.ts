/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per check, one result per failing
 * finding of a control whose claim does not hold.
 *
 * What GitHub needs beyond the schema, and why each is here:
 * - every rule has fullDescription and help (text and markdown): an alert shows them;
 * - every rule has properties.security-severity and tags including "security": without
 *   them alerts are not ranked as security findings;
 * - every result has partialFingerprints from what the finding is about (control, check,
 *   resource), never from its line or wording: GitHub matches alerts across uploads by
 *   them, and would otherwise open a new alert on every run;
 * - every result sits where an engineer fixes it (./locate.ts): code at file:line, a
 *   database object at its migration's line, a config key at its line, and the control's
 *   YAML only as the fallback.
 * The renderer reads verdicts; it never computes one.
 */
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result, Location } from 'sarif';
import type { CheckDefinition, ProofKind } from '../../controls/checks/types.ts';
import type { ControlEvaluation } from '../types.ts';
import type { GateFailure } from '../mapping/baseline.ts';
import type { Locator } from './locate.ts';

/** The partialFingerprints key: ours, versioned, so a change of recipe is a new key. */
export const FINGERPRINT_KEY = 'trustFinding/v1';

/**
 * GitHub ranks 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium. A failing check means a
 * published security promise is false; how badly depends on the proof: the runtime role
 * was not refused a forbidden act (enforcement), rows already break the promise (data),
 * or the guard is missing or ineffective with no row shown broken yet (structure).
 */
const SEVERITY: Record<ProofKind, string> = { enforcement: '8.5', data: '8.0', structure: '7.0' };

const KIND_TEXT: Record<ProofKind, string> = {
  structure: 'structure: the guard exists and is effective (enabled, validated, effective privileges), or the shipped artifact (source, config, rendered file) says so',
  data: 'data: the rows in the database obey the promise now, with the chained audit events as the witness',
  enforcement: 'enforcement: the runtime role (trust_app) attempted the forbidden act in a rolled-back transaction and the database refused it',
};

const KIND_FIX: Record<ProofKind, string> = {
  structure: 'Restore the guard where the result points (the migration, source line or config key), then run `npx trust check`.',
  data: 'Find out how the rows named in the result came to break the promise (the audit events are the witness), correct them, and close the path that wrote them.',
  enforcement: 'The database allowed the runtime role an act it must refuse: restore the trigger, policy, constraint or privilege that refuses it (the result points at its definition).',
};

interface EngineRule {
  id: string;
  short: string;
  full: string;
  fix: string;
  severity: string;
  tags: string[];
}

const ENGINE_RULES: EngineRule[] = [
  {
    id: 'design_artifact',
    short: 'A designed control names design artifacts that exist in the repository.',
    full: 'A control claimed as designed must name design artifacts (a Terraform block, a Kubernetes object, a YAML key path, an exported TypeScript symbol) that the design collector finds in the repository. A missing artifact makes the claim unsupported.',
    fix: "Add the artifact the control names, or correct the reference in the control file, or lower the control's status to roadmap.",
    severity: '5.0',
    tags: ['security', 'design'],
  },
  {
    id: 'catalog',
    short: 'A live control names at least one check.',
    full: 'A control claimed as live must name at least one check, and every check must pass; a live control without a check proves nothing.',
    fix: "Name a check in the control file, or lower the control's status.",
    severity: '5.0',
    tags: ['security', 'catalog'],
  },
  {
    id: 'baseline',
    short: 'A control observed live in the baseline is still live unless its claim was lowered; catalog changes bump its version.',
    full: 'Against a baseline mapping (`trust check --baseline FILE`), a control that was observed live must still be live unless its claim was lowered in a new catalog version, and any change to the catalog must bump `version` in controls/catalog.yaml.',
    fix: 'Restore the control, or lower its claim and bump the catalog version in controls/catalog.yaml.',
    severity: '6.0',
    tags: ['security', 'baseline'],
  },
];

function pascal(id: string): string {
  return id
    .split(/[_-]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function checkRule(id: string, def: CheckDefinition | undefined, controls: string[]): ReportingDescriptor {
  const kind: ProofKind = def?.kind ?? 'structure';
  const description = def?.description ?? `Check ${id} (not registered in controls/checks/registry.ts).`;
  const used = controls.length ? `Controls that rely on it: ${controls.join(', ')}.` : 'No control of this catalog names it.';
  const text = `${description}\n\nKind of proof: ${KIND_TEXT[kind]}.\n\nHow to fix: ${KIND_FIX[kind]}\n\n${used}`;
  const markdown = `${description}\n\n**Kind of proof:** ${KIND_TEXT[kind]}.\n\n**How to fix:** ${KIND_FIX[kind]}\n\n${controls.length ? `Controls that rely on it: ${controls.map((c) => `\`${c}\``).join(', ')}.` : used}\n\nThe check is \`${id}\` in \`controls/checks/\`; \`npx trust check\` runs it.`;
  return {
    id,
    name: pascal(id),
    shortDescription: { text: description },
    fullDescription: { text: `${description} Kind of proof: ${KIND_TEXT[kind]}.` },
    help: { text, markdown },
    defaultConfiguration: { level: 'error' },
    properties: { 'security-severity': SEVERITY[kind], tags: ['security', `proof-${kind}`, ...(def?.catalogOnly ? ['catalog-only'] : [])], precision: 'high', 'problem.severity': 'error' },
  };
}

function engineRule(r: EngineRule): ReportingDescriptor {
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.short },
    fullDescription: { text: r.full },
    help: { text: `${r.full}\n\nHow to fix: ${r.fix}`, markdown: `${r.full}\n\n**How to fix:** ${r.fix}` },
    defaultConfiguration: { level: 'error' },
    properties: { 'security-severity': r.severity, tags: r.tags, precision: 'high', 'problem.severity': 'error' },
  };
}

export function renderSarif(opts: {
  evaluations: ControlEvaluation[];
  checks: CheckDefinition[];
  /** control id -> repository-relative YAML file. */
  controlFiles: Record<string, string>;
  baselineFailures: GateFailure[];
  toolVersion: string;
  /** Where each finding is fixed (./locate.ts); without it, the finding's own file or the control's YAML. */
  locate?: Locator;
}): Log {
  const known = new Map(opts.checks.map((c) => [c.id, c]));
  const usedBy = new Map<string, Set<string>>();
  for (const e of opts.evaluations) for (const c of e.checks) (usedBy.get(c.check) ?? usedBy.set(c.check, new Set()).get(c.check)!).add(e.control);
  const engineIds = new Set(ENGINE_RULES.map((r) => r.id));
  const ruleIds = [...new Set([...opts.checks.map((c) => c.id), ...usedBy.keys()])].filter((id) => !engineIds.has(id)).sort();
  const rules: ReportingDescriptor[] = [...ruleIds.map((id) => checkRule(id, known.get(id), [...(usedBy.get(id) ?? [])].sort())), ...ENGINE_RULES.map(engineRule)];
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const locate: Locator =
    opts.locate ??
    ((origin, control) => {
      const file = origin.file ?? opts.controlFiles[control];
      return file ? { file, ...(origin.file && origin.line ? { line: origin.line } : {}), kind: origin.file ? 'code' : 'control' } : undefined;
    });

  const results: Result[] = [];
  const seen = new Map<string, number>();
  // Two findings about the same object under the same control and check stay two alerts.
  const stable = (...parts: string[]) => {
    const base = fingerprint(...parts);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}:${n}`;
  };
  for (const e of opts.evaluations) {
    if (e.verdict !== 'regression' && e.verdict !== 'unsupported') continue;
    for (const f of e.findings) {
      const at = locate(f.origin, e.control, f.check);
      const location: Location = { logicalLocations: [{ name: f.origin.resource, kind: 'resource' }] };
      if (at) location.physicalLocation = { artifactLocation: { uri: at.file }, ...(at.line ? { region: { startLine: at.line } } : {}) };
      results.push({
        ruleId: f.check,
        ...(ruleIndex.has(f.check) ? { ruleIndex: ruleIndex.get(f.check) } : {}),
        level: 'error',
        message: { text: `${e.verdict}: ${e.control}: ${f.reason}${f.observed ? ` (observed: ${f.observed})` : ''}` },
        locations: [location],
        partialFingerprints: { [FINGERPRINT_KEY]: stable(e.control, f.check, f.origin.resource) },
        properties: { control: e.control, claimed: e.claimed, observed: e.observed, findingStatus: f.status, proof: f.kind ?? known.get(f.check)?.kind ?? 'structure', locatedIn: at?.kind ?? 'none' },
      });
    }
  }
  for (const b of opts.baselineFailures) {
    const file = b.control ? opts.controlFiles[b.control] : 'controls/catalog.yaml';
    results.push({
      ruleId: 'baseline',
      ruleIndex: ruleIndex.get('baseline'),
      level: 'error',
      message: { text: b.message },
      locations: file ? [{ physicalLocation: { artifactLocation: { uri: file } } }] : [],
      partialFingerprints: { [FINGERPRINT_KEY]: stable(b.control ?? '', 'baseline', b.kind) },
      properties: { control: b.control ?? null, kind: b.kind },
    });
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver: { name: 'trust', version: opts.toolVersion, informationUri: 'https://harborcloud.example/security', rules } }, results }],
  };
}
