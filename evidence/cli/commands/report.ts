import { readFileSync, existsSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { parseCommand } from '../args.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import { verifyBundleBytes } from '../../bundle/verify.ts';
import { keyFingerprint } from '../../bundle/keys.ts';
import { toolVersion } from '../../tool-version.ts';
import { REPO_ROOT } from '../../pipeline.ts';
import { buildMapping } from '../../mapping/mapping.ts';
import { buildChangelog, readReleases, type Changelog } from '../../mapping/releases.ts';
import { renderMarkdown } from '../../report/markdown.ts';
import { OutputSet, resolveInSet } from '../../output/atomic-set.ts';

const spec = {
  name: 'report',
  usage: 'report [--bundle FILE] [--out DIR] [--as-of INSTANT] [--from DATE --to DATE [--sample N --seed S] [--dir DIR] [--vkey KEY]]',
  description: [
    'Re-renders report.md and report.pdf from an existing signed bundle, without touching the platform.',
    'The bundle is verified first (envelope and key beside it); the generation time is the signing time.',
    "Claims are judged at --as-of (default: now): a live claim whose evidence is older than its control's",
    'maxEvidenceAge renders STALE (decided by the engine, evidence/freshness.ts).',
    '',
    'With --from and --to the PDF is rendered for an audit period: it gains a section with the period as',
    '`trust period` computes it from the transparency log (--dir, default TRUST_LOG_DIR, else .data/tlog;',
    'verified whole first): per control the evaluations, pass rate, longest gap and exceptions, and the',
    'sample drawn with --sample N --seed S.',
  ].join('\n'),
  options: {
    bundle: { type: 'string' as const, description: 'The bundle to render (default out/bundle.json)' },
    out: { type: 'string' as const, description: "Where to write the reports (default: the bundle's directory)" },
    'as-of': { type: 'string' as const, description: 'ISO 8601 instant the claims are judged at (default: now)' },
    from: { type: 'string' as const, description: 'Render for an audit period: its first day (or instant)' },
    to: { type: 'string' as const, description: "The period's last day (inclusive), or its end instant" },
    sample: { type: 'string' as const, description: "Number of the period's runs to sample (needs --seed)" },
    seed: { type: 'string' as const, description: 'Seed of the sample' },
    dir: { type: 'string' as const, description: 'The transparency log directory (default TRUST_LOG_DIR, else .data/tlog)' },
    vkey: { type: 'string' as const, description: 'signed-note verifier key <name>+<id>+<key> to pin' },
  },
  examples: ['npx trust report', 'npx trust report --bundle /tmp/audit/bundle.json --out /tmp/audit', 'npx trust report --from 2026-01-01 --to 2026-03-31 --sample 25 --seed 42'],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { bundle?: string; out?: string; 'as-of'?: string; from?: string; to?: string; sample?: string; seed?: string; dir?: string; vkey?: string };
  const { parseAsOf } = await import('../../as-of.ts');
  const judgedAt = v['as-of'] === undefined ? new Date() : parseAsOf(v['as-of']);
  const period = await periodOf(v);
  const bundlePath = path.resolve(v.bundle ?? path.join(REPO_ROOT, 'out', 'bundle.json'));
  // Every input is read from the one run's set the bundle resolves to now (evidence/output/atomic-set.ts).
  const inSet = resolveInSet(bundlePath);
  const base = inSet.replace(/\.json$/, '');
  for (const f of [inSet, `${base}.sig.json`, `${base}.pub.pem`]) if (!existsSync(f)) throw new InputError(`${f}: not found (run \`trust check\` first)`);
  const r = verifyBundleBytes(readFileSync(inSet), readFileSync(`${base}.sig.json`), readFileSync(`${base}.pub.pem`, 'utf8'));
  if (!r.ok || !r.bundle || !r.statement) {
    process.stdout.write(`${r.failures[0]}\nrefusing to render a report from a bundle that does not verify (trust verify ${path.relative(process.cwd(), bundlePath)})\n`);
    return 1;
  }
  // The changelog the run wrote beside the bundle, so the report is the run's own; else recompute.
  const changelogPath = path.join(path.dirname(inSet), 'changelog.json');
  const changelog: Changelog = existsSync(changelogPath)
    ? (JSON.parse(readFileSync(changelogPath, 'utf8')) as Changelog)
    : buildChangelog(readReleases(REPO_ROOT), buildMapping(r.bundle, r.bundleSha256));
  const signingKeySha256 = keyFingerprint(createPublicKey(readFileSync(`${base}.pub.pem`, 'utf8')));
  // Rendered later than its evidence allows, a live claim is stale: the engine says so, the renderers print it.
  const { rejudge } = await import('../../freshness.ts');
  const input = {
    bundle: rejudge(r.bundle, judgedAt),
    bundleSha256: r.bundleSha256,
    generatedAt: new Date(r.statement.predicate.signedAt),
    changelog,
    signingKeySha256,
    toolVersion: toolVersion(),
    ...(period ? { period } : {}),
  };
  // Only the reports are re-rendered: the rest of the set in place is carried into the new one, which
  // is published only if that set is still the one the reports were rendered from.
  const set = new OutputSet(path.resolve(v.out ?? path.dirname(bundlePath)), { partial: true, basedOn: v.out === undefined ? path.dirname(inSet) : undefined });
  set.write('report.md', renderMarkdown(input));
  const { renderPdf } = await import('../../report/pdf.ts');
  set.write('report.pdf', await renderPdf(input));
  const written = set.commit();
  process.stdout.write(
    `rendered ${written.map((w) => path.relative(process.cwd(), path.join(set.outDir, w))).join(', ')} from ${path.relative(process.cwd(), bundlePath)} (sha256 ${r.bundleSha256})\n`,
  );
  return 0;
}

/** The audit period the PDF is rendered for (--from/--to), computed as `trust period` does; undefined without --from. */
async function periodOf(v: { from?: string; to?: string; sample?: string; seed?: string; dir?: string; vkey?: string; 'as-of'?: string }) {
  if (v.from === undefined && v.to === undefined) {
    if (v.sample !== undefined || v.seed !== undefined || v.dir !== undefined || v.vkey !== undefined)
      throw new InputError('--sample, --seed, --dir and --vkey render an audit period: they need --from DATE and --to DATE');
    return undefined;
  }
  if (!v.from || !v.to) throw new InputError('an audit period needs both --from DATE and --to DATE (see trust report --help)');
  if ((v.sample === undefined) !== (v.seed === undefined)) throw new InputError('--sample N and --seed S go together: a sample must be reproducible');
  if (v.sample !== undefined && !/^[1-9][0-9]{0,6}$/.test(v.sample)) throw new InputError(`--sample ${JSON.stringify(v.sample)}: expected a positive whole number`);
  const [{ parsePeriodDate, buildPeriod }, { readHistory }, { logDir, logVerifiers }, { parseAsOf }] = await Promise.all([
    import('../../history/period.ts'),
    import('../../history/read.ts'),
    import('../../tlog/config.ts'),
    import('../../as-of.ts'),
  ]);
  const from = parsePeriodDate(v.from, '--from', false);
  const to = parsePeriodDate(v.to, '--to', true);
  const dir = path.resolve(v.dir ?? logDir(REPO_ROOT));
  const h = readHistory(resolveInSet(dir), logVerifiers(REPO_ROOT, v.vkey ?? process.env.TRUST_LOG_VKEY));
  return buildPeriod(h, { from, to, asOf: v['as-of'] === undefined ? undefined : parseAsOf(v['as-of']), sample: v.sample === undefined ? 0 : Number(v.sample), seed: v.seed });
}
