/**
 * `npm start`: the whole job on one machine. Embedded PostgreSQL (or DATABASE_URL),
 * migrations, the demo workload when the platform is empty, then the gate (collect,
 * evaluate, sign, reports, OSCAL) and the site when every claim holds.
 */
import path from 'node:path';
import type { Database } from '../../../platform/db/index.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';
import { runGate, outcomeText } from '../../gate-run.ts';
import { createProgress, type Progress } from '../../progress.ts';

const spec = {
  name: 'start',
  usage: 'start [--out DIR] [--full-audit]',
  description: [
    'Runs everything on this machine: starts an embedded PostgreSQL under .data/ unless DATABASE_URL is set,',
    'applies migrations, fills an empty platform with the demo workload, collects evidence, evaluates every',
    'control, writes the signed bundle, mapping, changelog, CI files, report.md, report.pdf and OSCAL to out/,',
    'builds the security site into dist/ when every claim holds, and prints where everything is.',
    'Exit code as for `trust check` (0 every claim holds, 1 a claim does not hold, 2 bad input or environment).',
  ].join('\n'),
  options: {
    out: { type: 'string' as const, description: 'Output directory (default out/)' },
    'full-audit': { type: 'boolean' as const, description: 'Verify the whole audit hash chain' },
  },
  examples: ['npm start', 'DATABASE_URL=postgres://admin:pw@127.0.0.1:5432/trust npx trust start'],
};

async function platformIsEmpty(db: Database): Promise<boolean> {
  const r = await db.pool('owner').query<{ n: string }>('SELECT count(*)::text AS n FROM accounts');
  return r.rows[0].n === '0';
}

async function prepare(db: Database, progress: Progress): Promise<void> {
  progress.start('migrate');
  const { migrate } = await import('../../../platform/db/migrate.ts');
  const applied = await migrate(db);
  progress.done('migrate', applied.length ? `${applied.length} applied` : 'up to date');
  if (!(await platformIsEmpty(db))) {
    progress.done('demo', 'platform already has data, kept as is');
    return;
  }
  const { runDemo } = await import('../../../platform/demo/run.ts');
  progress.start('demo workload');
  const s = await runDemo(db, { scale: 1, seed: 1, log: () => {}, progress: (done, total) => progress.start(`demo workload: ${done}/${total} accounts`) });
  progress.done('demo', `${s.accounts} accounts, ${s.agents} agents, ${s.auditEvents} audit events in ${s.seconds.toFixed(1)} s`);
  return;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { out?: string; 'full-audit'?: boolean };
  const progress = createProgress(process.stderr);
  const outDir = path.resolve(v.out ?? path.join(REPO_ROOT, 'out'));
  const t0 = performance.now();
  const outcome = await runGate({ root: REPO_ROOT, outDir, fullAudit: v['full-audit'], progress, prepare: (db) => prepare(db, progress) });

  let siteLine: string;
  if (outcome.exitCode !== 0) {
    siteLine = 'site: not built: the site is never published while a claim does not hold (fix the findings above, then npx trust site)';
  } else {
    const { buildSite } = await import('../../site/build.ts');
    progress.start('site');
    const dist = path.join(REPO_ROOT, 'dist');
    await buildSite({ bundlePath: path.join(outDir, 'bundle.json'), outDir: dist });
    progress.done('site', path.relative(process.cwd(), dist) || dist);
    siteLine = `site:     ${path.relative(process.cwd(), dist)}/index.html  (preview: npx astro preview --outDir dist, then open http://localhost:4321/)`;
  }
  progress.clear();
  const rel = (f: string) => path.relative(process.cwd(), path.join(outDir, f));
  process.stdout.write(outcomeText(outcome, process.cwd()));
  process.stdout.write(
    [
      '',
      `Done in ${((performance.now() - t0) / 1000).toFixed(1)} s. Where everything is:`,
      `  bundle:   ${rel('bundle.json')} (signature ${rel('bundle.sig.json')}, public key ${rel('bundle.pub.pem')}; check with: npx trust verify ${rel('bundle.json')})`,
      `  reports:  ${rel('report.md')}, ${rel('report.pdf')}`,
      `  mapping:  ${rel('mapping.json')}, changelog ${rel('changelog.json')}`,
      `  CI:       ${rel('results.json')}, ${rel('junit.xml')}, ${rel('results.sarif')}`,
      `  OSCAL:    ${rel('oscal/assessment-results.json')}, ${rel('oscal/component-definition.json')}, ${rel('oscal/mapping-*.json')}`,
      `  ${siteLine}`,
      '',
    ].join('\n'),
  );
  return outcome.exitCode;
}
