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
  usage: 'report [--bundle FILE] [--out DIR] [--as-of INSTANT]',
  description: [
    'Re-renders report.md and report.pdf from an existing signed bundle, without touching the platform.',
    'The bundle is verified first (envelope and key beside it); the generation time is the signing time.',
    'Claims are judged at --as-of (default: now): a live claim whose evidence is older than its control\'s',
    'maxEvidenceAge renders STALE (decided by the engine, evidence/freshness.ts).',
  ].join('\n'),
  options: {
    bundle: { type: 'string' as const, description: 'The bundle to render (default out/bundle.json)' },
    out: { type: 'string' as const, description: 'Where to write the reports (default: the bundle\'s directory)' },
    'as-of': { type: 'string' as const, description: 'ISO 8601 instant the claims are judged at (default: now)' },
  },
  examples: ['npx trust report', 'npx trust report --bundle /tmp/audit/bundle.json --out /tmp/audit'],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { bundle?: string; out?: string; 'as-of'?: string };
  const { parseAsOf } = await import('../../as-of.ts');
  const judgedAt = v['as-of'] === undefined ? new Date() : parseAsOf(v['as-of']);
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
  const input = { bundle: rejudge(r.bundle, judgedAt), bundleSha256: r.bundleSha256, generatedAt: new Date(r.statement.predicate.signedAt), changelog, signingKeySha256, toolVersion: toolVersion() };
  // Only the reports are re-rendered: the rest of the set in place is carried into the new one, which
  // is published only if that set is still the one the reports were rendered from.
  const set = new OutputSet(path.resolve(v.out ?? path.dirname(bundlePath)), { partial: true, basedOn: v.out === undefined ? path.dirname(inSet) : undefined });
  set.write('report.md', renderMarkdown(input));
  const { renderPdf } = await import('../../report/pdf.ts');
  set.write('report.pdf', await renderPdf(input));
  const written = set.commit();
  process.stdout.write(`rendered ${written.map((w) => path.relative(process.cwd(), path.join(set.outDir, w))).join(', ')} from ${path.relative(process.cwd(), bundlePath)} (sha256 ${r.bundleSha256})\n`);
  return 0;
}
