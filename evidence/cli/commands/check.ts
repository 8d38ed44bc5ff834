import path from 'node:path';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';
import { runGate, outcomeText } from '../../gate-run.ts';
import { createProgress } from '../../progress.ts';
import { parseAsOf } from '../../as-of.ts';

const spec = {
  name: 'check',
  usage: 'check [--json] [--baseline FILE] [--out DIR] [--full-audit] [--release] [--as-of INSTANT]',
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
    '--as-of fixes the instant every age is measured from (default: the database clock at the start',
    'of collection); two runs with the same --as-of on an unchanged platform write identical bytes.',
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
    'as-of': { type: 'string' as const, description: 'ISO 8601 instant every age is measured from (default: the database clock)' },
  },
  examples: [
    'npx trust check',
    'npx trust check --json --out /tmp/evidence > results.json',
    'npx trust check --baseline controls/releases/1.0.0.json',
    'npx trust check --as-of 2026-12-01T00:00:00Z --out /tmp/evidence',
  ],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { json?: boolean; baseline?: string; out?: string; 'full-audit'?: boolean; release?: boolean; 'as-of'?: string };
  const asOf = v['as-of'] === undefined ? undefined : parseAsOf(v['as-of']);
  const progress = createProgress(process.stderr);
  // TRUST_PROFILE=1 (evidence/progress.ts): when the command began, after Node and the CLI loaded.
  const profile = (what: string) => {
    if (process.env.TRUST_PROFILE) process.stderr.write(`profile: ${what} at ${Math.round(performance.now())} ms\n`);
  };
  profile('check started');
  try {
    const outcome = await runGate({
      root: REPO_ROOT,
      outDir: path.resolve(v.out ?? path.join(REPO_ROOT, 'out')),
      baselineFile: v.baseline,
      fullAudit: v['full-audit'],
      release: v.release,
      progress,
      asOf,
    });
    progress.clear();
    profile('outputs committed');
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
