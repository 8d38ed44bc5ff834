/**
 * Lighthouse on the security site (issue 17's acceptance), so the scores cannot slip:
 * Lighthouse 12.2.3 (the pinned devDependency, its own CLI with the flags
 * ../shared/acceptance/trust-center.sh uses) at its default settings, that is mobile form
 * factor with simulated throttling, against Debian's chromium, on five page types: the
 * overview, the controls list, a live control page, a history page (the catalog as of the
 * latest release, /changelog/<version>/) and the downloads page.
 *
 * - The site the real pipeline builds (test/fixtures/site/make-fixture.ts), with `trust demo
 *   --history 90d` appended to its log so the live control page carries its whole operating
 *   history (uptime table, 90-day timeline, status changes), served as the acceptance script
 *   serves it (plain files, no compression): accessibility, best practices, SEO and
 *   performance all 100.
 * - A 2,000-control catalog (the synthetic bundle of the site-build-2000 benchmark,
 *   test/bench/workloads/catalog-bundle.ts), served gzip-encoded as static hosts serve
 *   it: 100 everywhere, except performance on the controls list, at least 95. That page is
 *   1.2 MB of HTML at 2,000 controls; uncompressed, Lighthouse's simulated 1.6 Mbit/s mobile
 *   link alone puts its first paint near 7 s, whatever the page does.
 *
 * Performance is the one noisy category on a loaded machine: when it alone falls short, the
 * page is measured once more, and that second run must meet the same threshold. The other
 * three categories are deterministic and never retried.
 *
 * A test, not a benchmark: the bench compares timings with a reference and is run by hand,
 * while a score that must not slip belongs where every CI run asserts it. It costs about
 * five minutes on two busy cores (two site builds and ten Lighthouse runs of ~20 s each).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSite } from '../../evidence/site/build.ts';
import { BundleSchema, type Bundle } from '../../evidence/types.ts';
import { readReleases } from '../../evidence/mapping/releases.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { syntheticBundle, writeSignedBundle } from '../bench/workloads/catalog-bundle.ts';
import { makeSiteEvidence, writeFixtureHistory } from '../fixtures/site/make-fixture.ts';
import { serveStatic } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const LIGHTHOUSE = path.join(ROOT, 'node_modules/lighthouse/cli/index.js');
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;
type Category = (typeof CATEGORIES)[number];
type Scores = Record<Category, number | null>;

let work: string;
let fixture: { server: Awaited<ReturnType<typeof serveStatic>>; live: string; version: string };
let big: { server: Awaited<ReturnType<typeof serveStatic>>; live: string; version: string };

const firstLive = (b: Bundle) => b.evaluations.find((e) => e.observed === 'live')!.control;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'trust-lighthouse-'));
  const version = readReleases(ROOT).at(-1)!.catalogVersion;

  // The real pipeline's evidence, with 90 days of simulated history in its log.
  const evidenceDir = path.join(work, 'evidence');
  const { logDir } = await makeSiteEvidence(evidenceDir);
  expect(await writeFixtureHistory(logDir, 90)).toBeGreaterThan(1000);
  const site = path.join(work, 'site');
  await buildSite({ bundlePath: path.join(evidenceDir, 'bundle.json'), outDir: site, logDir });
  const bundle = BundleSchema.parse(JSON.parse(readFileSync(path.join(evidenceDir, 'bundle.json'), 'utf8')));
  fixture = { server: await serveStatic(site), live: firstLive(bundle), version };

  // 2,000 controls: the real catalog grown with synthetic controls, as site-build-2000 builds it.
  const bigEvidence = path.join(work, 'evidence-2000');
  const noLog = path.join(work, 'no-log');
  mkdirSync(bigEvidence);
  mkdirSync(noLog);
  const bigBundle = syntheticBundle(2000, await loadCatalog(ROOT));
  expect(bigBundle.evaluations).toHaveLength(2000);
  const bigSite = path.join(work, 'site-2000');
  await buildSite({ bundlePath: await writeSignedBundle(bigEvidence, bigBundle), outDir: bigSite, logDir: noLog });
  big = { server: await serveStatic(bigSite, { gzip: true }), live: firstLive(bigBundle), version };
}, 1_200_000);

afterAll(async () => {
  await fixture?.server.close();
  await big?.server.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  scores: Scores;
  metrics: string;
  /** Weighted audits below 1, by category. */ shortfalls: Record<Category, string[]>;
}

/** One Lighthouse run, as the acceptance script runs it; the scores (0..100) and what fell short. */
function lighthouse(url: string, out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the site is served from this very process.
    const child = spawn(
      process.execPath,
      [LIGHTHOUSE, url, '--chrome-flags=--headless=new --no-sandbox', `--only-categories=${CATEGORIES.join(',')}`, '--output=json', `--output-path=${out}`, '--quiet'],
      { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let report: {
        categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
        audits: Record<string, { score: number | null; numericValue?: number; displayValue?: string; explanation?: string }>;
        runtimeError?: { message: string };
      };
      try {
        report = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        reject(new Error(`lighthouse ${url} exited ${code} with no report: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      if (report.runtimeError) {
        reject(new Error(`lighthouse ${url}: ${report.runtimeError.message}`));
        return;
      }
      const scores = Object.fromEntries(CATEGORIES.map((c) => [c, report.categories[c]?.score == null ? null : Math.round(report.categories[c]!.score! * 100)])) as Scores;
      const shortfalls = Object.fromEntries(
        CATEGORIES.map((c) => [
          c,
          (report.categories[c]?.auditRefs ?? [])
            .filter((r) => r.weight > 0 && report.audits[r.id]?.score != null && report.audits[r.id]!.score! < 1)
            .map((r) => `${r.id} ${report.audits[r.id]!.displayValue ?? report.audits[r.id]!.explanation ?? report.audits[r.id]!.score}`),
        ]),
      ) as Run['shortfalls'];
      const a = report.audits;
      const ms = (id: string) => `${Math.round(a[id]?.numericValue ?? NaN)} ms`;
      const metrics = `FCP ${ms('first-contentful-paint')}, LCP ${ms('largest-contentful-paint')}, TBT ${ms('total-blocking-time')}, SI ${ms('speed-index')}, CLS ${(a['cumulative-layout-shift']?.numericValue ?? NaN).toFixed(3)}`;
      resolve({ scores, metrics, shortfalls });
    });
  });
}

const show = (s: Scores) => CATEGORIES.map((c) => `${c} ${s[c] ?? '-'}`).join(', ');

/**
 * Measures `urlPath` and asserts every category at 100, performance at least `minPerformance`;
 * performance alone short gets one more run.
 */
async function expectScores(label: string, site: typeof fixture, urlPath: string, minPerformance = 100): Promise<void> {
  const min: Scores = { performance: minPerformance, accessibility: 100, 'best-practices': 100, seo: 100 };
  const short = (r: Run) => CATEGORIES.filter((c) => (r.scores[c] ?? -1) < min[c]!);
  const slug = `${label}${urlPath}`.replace(/[^a-z0-9]+/gi, '-');
  let run = await lighthouse(site.server.url + urlPath, path.join(work, `${slug}.json`));
  const lines = [`lighthouse ${label} ${urlPath}: ${show(run.scores)} (${run.metrics})`];
  const first = short(run);
  if (first.length === 1 && first[0] === 'performance') {
    run = await lighthouse(site.server.url + urlPath, path.join(work, `${slug}-retry.json`));
    lines.push(`  performance below ${minPerformance}, measured again: ${show(run.scores)} (${run.metrics})`);
  }
  console.log(lines.join('\n'));
  const failed = short(run);
  const why = failed.map((c) => `${c}: ${run.shortfalls[c].join('; ').slice(0, 600)}`).join(' | ');
  expect(
    failed.map((c) => `${c} ${run.scores[c]} < ${min[c]}`),
    `${label} ${urlPath}: ${why}`,
  ).toEqual([]);
}

describe('Lighthouse (mobile, simulated throttling) on the site the pipeline builds', () => {
  it('overview: 100 in all four categories', () => expectScores('site', fixture, '/'), 600_000);
  it('controls list: 100 in all four categories', () => expectScores('site', fixture, '/controls/'), 600_000);
  it('a live control page with 90 days of history: 100 in all four categories', () => expectScores('site', fixture, `/controls/${fixture.live}/`), 600_000);
  it('history page (the catalog as of the latest release): 100 in all four categories', () => expectScores('site', fixture, `/changelog/${fixture.version}/`), 600_000);
  it('downloads: 100 in all four categories', () => expectScores('site', fixture, '/downloads/'), 600_000);
});

describe('Lighthouse (mobile, simulated throttling) with a 2,000-control catalog', () => {
  it('overview: 100 in all four categories', () => expectScores('2000', big, '/'), 600_000);
  it('controls list: performance at least 95, the other categories 100', () => expectScores('2000', big, '/controls/', 95), 600_000);
  it('a live control page: 100 in all four categories', () => expectScores('2000', big, `/controls/${big.live}/`), 600_000);
  it('history page (the catalog as of the latest release): 100 in all four categories', () => expectScores('2000', big, `/changelog/${big.version}/`), 600_000);
  it('downloads: 100 in all four categories', () => expectScores('2000', big, '/downloads/'), 600_000);
});
