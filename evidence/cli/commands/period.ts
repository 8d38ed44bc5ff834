/**
 * `trust period --from DATE --to DATE [--sample N --seed S] [--out DIR]`: an audit period
 * read from the transparency log: period.json, period.pdf and period-assessment-results.json
 * (OSCAL 1.2.1, one result per run), written as one set. Byte-identical on every call over
 * the same log (evidence/history/period.ts says why).
 */
import path from 'node:path';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../repo-root.ts';
import type { PeriodReport } from '../../history/period.ts';

const spec = {
  name: 'period',
  usage: 'period --from DATE --to DATE [--sample N --seed S] [--out DIR] [--as-of INSTANT] [--dir DIR] [--vkey KEY]',
  description: [
    'An audit period (SOC 2 Type 2 style) from the transparency log, verified whole first. Per control:',
    'evaluations, pass rate, first and last run, the longest gap between evaluations, every failing run with its',
    'bundle digest and log inclusion proof, the catalog versions in force, and whether it operated throughout the',
    'period (evaluated, no failing run, no gap longer than its maxEvidenceAge); otherwise its exceptions.',
    '',
    'DATE is a UTC day (2026-01-31; --to includes that whole day) or an ISO 8601 instant with a zone.',
    "The population is the period's runs in the signed checkpoint (its size and root are in the output).",
    '--sample N --seed S draws N runs reproducibly: the N with the smallest SHA-256(S, bundle digest, entry).',
    "A period ending after the log's latest run is judged up to that run; --as-of judges up to a later instant.",
    '',
    'Writes period.json, period.pdf and period-assessment-results.json to --out (default out/period).',
    'Exit 0 written; 2 bad input or a log that does not verify.',
  ].join('\n'),
  options: {
    from: { type: 'string' as const, description: 'First day (or instant) of the period' },
    to: { type: 'string' as const, description: 'Last day (inclusive), or the end instant' },
    sample: { type: 'string' as const, description: 'Number of runs to sample (needs --seed)' },
    seed: { type: 'string' as const, description: 'Seed of the sample: same seed, same sample' },
    out: { type: 'string' as const, description: 'Output directory (default out/period)' },
    'as-of': { type: 'string' as const, description: "Judge gaps up to this instant (default: the log's latest run)" },
    dir: { type: 'string' as const, description: 'The log directory (default TRUST_LOG_DIR, else .data/tlog)' },
    vkey: { type: 'string' as const, description: 'signed-note verifier key <name>+<id>+<key> to pin' },
  },
  examples: ['npx trust period --from 2026-01-01 --to 2026-03-31', 'npx trust period --from 2026-01-01 --to 2026-03-31 --sample 25 --seed 42 --out /tmp/q1'],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { from?: string; to?: string; sample?: string; seed?: string; out?: string; 'as-of'?: string; dir?: string; vkey?: string };
  if (!v.from || !v.to) throw new InputError('needs --from DATE and --to DATE (see trust period --help)');
  const { parsePeriodDate, buildPeriod } = await import('../../history/period.ts');
  const from = parsePeriodDate(v.from, '--from', false);
  const to = parsePeriodDate(v.to, '--to', true);
  if (to.getTime() <= from.getTime()) throw new InputError(`--to ${v.to} is not after --from ${v.from}`);
  if ((v.sample === undefined) !== (v.seed === undefined)) throw new InputError('--sample N and --seed S go together: a sample must be reproducible');
  if (v.sample !== undefined && !/^[1-9][0-9]{0,6}$/.test(v.sample)) throw new InputError(`--sample ${JSON.stringify(v.sample)}: expected a positive whole number`);
  const { parseAsOf } = await import('../../as-of.ts');
  const asOf = v['as-of'] === undefined ? undefined : parseAsOf(v['as-of']);
  const profile = stepProfiler();
  // The PDF's thread loads pdfkit while this one reads and verifies the log (period-pdf-thread.ts).
  const { periodPdfRenderer } = await import('../../report/period-pdf-thread.ts');
  const pdf = periodPdfRenderer();
  try {
    const { logDir, logVerifiers } = await import('../../tlog/config.ts');
    const { readHistory } = await import('../../history/read.ts');
    const dir = path.resolve(v.dir ?? logDir(REPO_ROOT));
    const h = readHistory(dir, logVerifiers(REPO_ROOT, v.vkey ?? process.env.TRUST_LOG_VKEY));
    profile('reading and verifying the log');
    const report = buildPeriod(h, { from, to, asOf, sample: v.sample === undefined ? 0 : Number(v.sample), seed: v.seed });
    profile('the period');
    const rendering = pdf.render(report);
    rendering.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
    const { buildPeriodAssessmentResults } = await import('../../oscal/period.ts');
    const { OutputSet } = await import('../../output/atomic-set.ts');
    const outDir = path.resolve(v.out ?? path.join(REPO_ROOT, 'out', 'period'));
    const set = new OutputSet(outDir);
    try {
      set.write('period.json', JSON.stringify(report, null, 2) + '\n');
      set.write('period-assessment-results.json', JSON.stringify(buildPeriodAssessmentResults(h, report), null, 2) + '\n');
      profile('period.json and the OSCAL results');
      set.write('period.pdf', await rendering);
      profile('waiting for period.pdf');
      set.commit();
    } catch (e) {
      set.discard();
      throw e;
    }
    printSummary(report, outDir);
    return 0;
  } finally {
    await pdf.stop();
  }
}

/** TRUST_PROFILE=1 (evidence/progress.ts): how long each step took, and the CPU time the process spent meanwhile (all threads). */
function stepProfiler(): (step: string) => void {
  if (!process.env.TRUST_PROFILE) return () => {};
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  process.stderr.write(`profile: the command began at ${Math.round(t0)} ms\n`);
  return (step) => {
    const cpu = process.cpuUsage(c0);
    process.stderr.write(`profile: ${step} took ${Math.round(performance.now() - t0)} ms (CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms)\n`);
    t0 = performance.now();
    c0 = process.cpuUsage();
  };
}

function printSummary(report: PeriodReport, outDir: string): void {
  const s = report.summary;
  process.stdout.write(
    [
      `period ${report.period.from} to ${report.period.to}: ${report.population.runs} runs${report.population.simulatedRuns ? ` (${report.population.simulatedRuns} simulated)` : ''}, log size ${report.log.size}`,
      `${s.operatedThroughout} of ${s.controls} controls operated throughout the period; ${s.withExceptions} with exceptions${report.sampleSize ? `; sample of ${report.sampleSize} runs (seed ${JSON.stringify(report.sampleSeed)})` : ''}`,
      ...report.controls
        .filter((c) => !c.operatedThroughout)
        .slice(0, 20)
        .map((c) => `  ${c.id}: ${c.exceptions.length} exception(s), first: ${c.exceptions[0]?.description ?? ''}`),
      `wrote period.json, period.pdf, period-assessment-results.json to ${path.relative(process.cwd(), outDir) || '.'}`,
    ].join('\n') + '\n',
  );
}
