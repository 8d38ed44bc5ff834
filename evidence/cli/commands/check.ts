import path from 'node:path';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';
import { runGate, outcomeText } from '../../gate-run.ts';
import { createProgress } from '../../progress.ts';

const spec = {
  name: 'check',
  usage: 'check [--json] [--baseline FILE] [--out DIR] [--full-audit] [--release]',
  description: [
    'The CI gate. Loads the controls catalog, collects evidence from the platform, evaluates every',
    'control and writes, as one set, to the output directory: bundle.json, bundle.sig.json,',
    'bundle.pub.pem, mapping.json, changelog.json, results.json, junit.xml, results.sarif,',
    'report.md, report.pdf and oscal/ (OSCAL 1.2.1 documents).',
    '',
    'Exit codes: 0 every claim holds; 1 a claim does not hold (regression, unsupported claim, or',
    'a baseline violation); 2 bad input or environment (invalid catalog, unreachable database).',
    'The first line of output is the one-line cause.',
    '',
    '--release records the mapping of the current catalog version in controls/releases/<version>.json',
    '(commit it); it refuses to rewrite a released version whose content differs.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' as const, description: 'Print results JSON on stdout (human text goes to stderr)' },
    baseline: { type: 'string' as const, description: 'A previous mapping.json: live controls must stay live' },
    out: { type: 'string' as const, description: 'Output directory (default out/)' },
    'full-audit': { type: 'boolean' as const, description: 'Verify the whole audit hash chain, not only since the last checkpoint' },
    release: { type: 'boolean' as const, description: 'Record controls/releases/<catalog version>.json when the gate passes' },
  },
  examples: [
    'npx trust check',
    'npx trust check --json --out /tmp/evidence > results.json',
    'npx trust check --baseline controls/releases/1.0.0.json',
  ],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { json?: boolean; baseline?: string; out?: string; 'full-audit'?: boolean; release?: boolean };
  const progress = createProgress(process.stderr);
  try {
    const outcome = await runGate({
      root: REPO_ROOT, outDir: path.resolve(v.out ?? path.join(REPO_ROOT, 'out')), baselineFile: v.baseline,
      fullAudit: v['full-audit'], release: v.release, progress,
    });
    progress.clear();
    const text = outcomeText(outcome, process.cwd());
    if (v.json) {
      process.stdout.write(JSON.stringify(outcome.results, null, 2) + '\n');
      process.stderr.write(text);
    } else {
      process.stdout.write(text);
    }
    return outcome.exitCode;
  } finally {
    progress.clear();
  }
}
