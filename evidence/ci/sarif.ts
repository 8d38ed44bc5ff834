/**
 * SARIF 2.1.0: one rule per check, one result per failing finding of a control
 * whose claim does not hold, located at file:line when the finding has one and
 * at the control's YAML file otherwise.
 */
import type { Log, ReportingDescriptor, Result, Location } from 'sarif';
import type { CheckDefinition } from '../../controls/checks/types.ts';
import type { ControlEvaluation } from '../types.ts';
import type { GateFailure } from '../mapping/baseline.ts';

const ENGINE_RULES: ReportingDescriptor[] = [
  { id: 'design_artifact', shortDescription: { text: 'A designed control names design artifacts that exist in the repository.' } },
  { id: 'catalog', shortDescription: { text: 'A live control names at least one check.' } },
  { id: 'baseline', shortDescription: { text: 'A control observed live in the baseline is still live unless its claim was lowered; catalog changes bump its version.' } },
];

export function renderSarif(opts: {
  evaluations: ControlEvaluation[];
  checks: CheckDefinition[];
  /** control id -> repository-relative YAML file. */
  controlFiles: Record<string, string>;
  baselineFailures: GateFailure[];
  toolVersion: string;
}): Log {
  const used = new Set(opts.evaluations.flatMap((e) => e.checks.map((c) => c.check)));
  const known = new Map(opts.checks.map((c) => [c.id, c]));
  const ruleIds = [...new Set([...opts.checks.map((c) => c.id), ...used])].sort();
  const rules: ReportingDescriptor[] = [
    ...ruleIds.map((id) => ({ id, shortDescription: { text: known.get(id)?.description ?? `Check ${id} (not registered)` } })),
    ...ENGINE_RULES,
  ];
  const results: Result[] = [];
  for (const e of opts.evaluations) {
    if (e.verdict !== 'regression' && e.verdict !== 'unsupported') continue;
    for (const f of e.findings) {
      const file = f.origin.file ?? opts.controlFiles[e.control];
      const location: Location = {
        logicalLocations: [{ name: f.origin.resource, kind: 'resource' }],
      };
      if (file) location.physicalLocation = { artifactLocation: { uri: file }, ...(f.origin.file && f.origin.line ? { region: { startLine: f.origin.line } } : {}) };
      results.push({
        ruleId: f.check,
        level: 'error',
        message: { text: `${e.verdict}: ${e.control}: ${f.reason}${f.observed ? ` (observed: ${f.observed})` : ''}` },
        locations: [location],
        properties: { control: e.control, claimed: e.claimed, observed: e.observed, findingStatus: f.status },
      });
    }
  }
  for (const b of opts.baselineFailures) {
    const file = b.control ? opts.controlFiles[b.control] : 'controls/catalog.yaml';
    results.push({
      ruleId: 'baseline', level: 'error', message: { text: b.message },
      locations: file ? [{ physicalLocation: { artifactLocation: { uri: file } } }] : [],
      properties: { control: b.control ?? null, kind: b.kind },
    });
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver: { name: 'trust', version: opts.toolVersion, informationUri: 'https://harborcloud.example/security', rules } }, results }],
  };
}
