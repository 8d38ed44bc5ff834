/**
 * End to end: build the site once from evidence the real pipeline makes for this run
 * (test/fixtures/site/make-fixture.ts: demo platform, committed catalog, collectors,
 * signed outputs), or from TRUST_SITE_TEST_BUNDLE (e.g. out/bundle.json) when set,
 * serve it on localhost and drive Debian's chromium through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildSite, type BuildSiteResult } from '../../evidence/site/build.ts';
import { BundleSchema, type Bundle } from '../../evidence/types.ts';
import { launchChromium, resolveStatic, serveStatic } from './harness.ts';
import { makeSiteEvidence } from '../fixtures/site/make-fixture.ts';
import { READ_MAIN, twinProblems, type PageFacts } from './twin-check.ts';

let BUNDLE: string;
let SOURCE_DIR: string;
const AXE = readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');

let outDir: string;
let evidenceDir: string | undefined;
/** The log the fixture's run was recorded in (undefined: TRUST_SITE_TEST_BUNDLE's, where the gate keeps it). */
let logDir: string | undefined;
let result: BuildSiteResult;
let bundle: Bundle;
let server: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;
let pages: string[]; // URL paths of every HTML page, e.g. `/controls/x/`

beforeAll(async () => {
  if (process.env.TRUST_SITE_TEST_BUNDLE) BUNDLE = path.resolve(process.env.TRUST_SITE_TEST_BUNDLE);
  else {
    evidenceDir = mkdtempSync(path.join(os.tmpdir(), 'trust-site-evidence-'));
    BUNDLE = path.join(evidenceDir, 'bundle.json');
    logDir = (await makeSiteEvidence(evidenceDir)).logDir;
  }
  SOURCE_DIR = path.dirname(BUNDLE);
  outDir = mkdtempSync(path.join(os.tmpdir(), 'trust-site-'));
  bundle = BundleSchema.parse(JSON.parse(readFileSync(BUNDLE, 'utf8')));
  result = await buildSite({ bundlePath: BUNDLE, outDir, logDir });
  pages = Object.keys(result.bytes).map((f) => '/' + f.replace(/index\.html$/, ''));
  server = await serveStatic(outDir);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (evidenceDir) rmSync(evidenceDir, { recursive: true, force: true });
});

/** Visits a page, collecting console errors, page errors and failed same-origin requests. */
async function visit(page: Page, urlPath: string): Promise<string[]> {
  const problems: string[] = [];
  const onConsole = (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  };
  const onError = (e: Error) => problems.push(`pageerror: ${e.message}`);
  const onResponse = (r: { status(): number; url(): string }) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onError);
  page.on('response', onResponse);
  const res = await page.goto(server.url + urlPath, { waitUntil: 'load' });
  if (!res || res.status() !== 200) problems.push(`HTTP ${res?.status()} for ${urlPath}`);
  page.off('console', onConsole);
  page.off('pageerror', onError);
  page.off('response', onResponse);
  return problems;
}

describe('security site built from evidence', () => {
  it('builds every expected page, with no script tag', () => {
    const expected = [
      '/',
      '/agents/',
      '/vms/',
      '/data-handling/',
      '/access-control/',
      '/encryption/',
      '/controls/',
      '/readiness/',
      '/gaps/',
      '/changelog/',
      '/subprocessors/',
      '/vulnerability-disclosure/',
      '/downloads/',
      '/frameworks/soc2/',
      '/frameworks/iso27001/',
      '/controls/status/live/',
      '/controls/status/designed/',
      '/controls/status/roadmap/',
      '/controls/framework/soc2/',
    ];
    for (const p of expected) expect(pages, p).toContain(p);
    for (const c of bundle.catalog.controls) expect(pages).toContain(`/controls/${c.id}/`);
    expect(result.pages).toBe(pages.length);
    for (const f of Object.keys(result.bytes)) expect(readFileSync(path.join(outDir, f), 'utf8')).not.toMatch(/<script/i);
    // Small pages: the largest HTML page stays under 120 KiB.
    expect(Math.max(...Object.values(result.bytes))).toBeLessThan(120 * 1024);
  });

  it('loads every page without a console error, and every internal link resolves', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const broken: string[] = [];
    const problems: string[] = [];
    for (const p of pages) {
      problems.push(...(await visit(page, p)).map((x) => `${p}: ${x}`));
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
      for (const href of hrefs) {
        if (/^(mailto:|https?:)/.test(href)) continue;
        const [target, frag] = href.split('#');
        const abs = target ? new URL(target, server.url + p).pathname : p;
        const file = resolveStatic(outDir, abs);
        if (!file) broken.push(`${p} -> ${href}`);
        else if (frag && file.endsWith('.html') && !readFileSync(file, 'utf8').includes(`id="${frag}"`)) broken.push(`${p} -> ${href} (no anchor)`);
      }
    }
    await ctx.close();
    expect(problems).toEqual([]);
    expect(broken).toEqual([]);
  }, 240_000);

  it('has zero axe-core violations on every page', async () => {
    // The pages' Content-Security-Policy refuses every script, axe's too: only the test injects one.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await ctx.newPage();
    const violations: string[] = [];
    for (const p of pages) {
      await page.goto(server.url + p);
      await page.addScriptTag({ content: AXE });
      const found = await page.evaluate(async () => {
        const r = await (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe.run(document, {
          resultTypes: ['violations'],
        });
        return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${JSON.stringify(v.nodes[0]?.target)}`);
      });
      violations.push(...found.map((v) => `${p}: ${v}`));
    }
    await ctx.close();
    expect(violations).toEqual([]);
  }, 300_000);

  it('shows on each control page, and in the index, the badge of the observed status', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(server.url + '/controls/');
    const rows = await page.$$eval('tr[data-control]', (trs) => trs.map((tr) => [tr.getAttribute('data-control'), tr.querySelector('.badge')?.getAttribute('data-status')]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(bundle.evaluations.map((e) => [e.control, e.observed])));
    for (const e of bundle.evaluations) {
      await page.goto(`${server.url}/controls/${e.control}/`);
      const badge = await page.$eval('main dl.facts .badge', (b) => [b.getAttribute('data-status'), b.textContent?.trim()]);
      expect(badge[0], e.control).toBe(e.observed);
      expect(badge[1]!.toLowerCase(), e.control).toContain(e.observed);
      // Same sections, same order, on every control page.
      expect(await page.$$eval('main h2', (hs) => hs.map((h) => h.id))).toEqual(['operating-history', 'how-it-works', 'checks', 'design', 'criteria', 'history']);
      expect(await page.textContent('.evidence-bar')).toContain('Evidence last verified');
    }
    await ctx.close();
  }, 120_000);

  it('filters by status, category and framework with JavaScript disabled', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(server.url + '/controls/');
    for (const status of ['live', 'designed', 'roadmap'] as const) {
      await page.click(`nav.filters a[href="/controls/status/${status}/"]`);
      expect(new URL(page.url()).pathname).toBe(`/controls/status/${status}/`);
      const shown = await page.$$eval('tr[data-control]', (trs) => trs.map((tr) => [tr.getAttribute('data-control'), tr.querySelector('.badge')?.getAttribute('data-status')]));
      const want = bundle.evaluations
        .filter((e) => e.observed === status)
        .map((e) => e.control)
        .sort();
      expect(shown.map((s) => s[0]).sort()).toEqual(want);
      expect(shown.every((s) => s[1] === status)).toBe(true);
    }
    const category = bundle.catalog.controls[0]!.category;
    await page.click(`nav.filters a:text-is("${category}")`);
    const inCategory = await page.$$eval('tr[data-control]', (trs) => trs.map((tr) => tr.getAttribute('data-control')!));
    expect(inCategory.sort()).toEqual(
      bundle.catalog.controls
        .filter((c) => c.category === category)
        .map((c) => c.id)
        .sort(),
    );
    const soc2 = bundle.catalog.mappings.find((m) => m.framework === 'soc2')!;
    await page.click('nav.filters a[href="/controls/framework/soc2/"]');
    const inSoc2 = await page.$$eval('tr[data-control]', (trs) => trs.map((tr) => tr.getAttribute('data-control')!));
    expect(inSoc2.sort()).toEqual(
      [
        ...new Set(
          Object.values(soc2.criteria)
            .flat()
            .map((x) => x.control),
        ),
      ].sort(),
    );
    expect(await page.$$eval('script', (s) => s.length)).toBe(0);
    await ctx.close();
  });

  it('serves downloads byte-for-byte equal to the evidence files, with their SHA-256 shown', async () => {
    const names = ['report.pdf', 'bundle.json', 'bundle.sig.json', 'bundle.pub.pem', 'mapping.json', 'changelog.json'].filter((n) => existsSync(path.join(SOURCE_DIR, n)));
    if (existsSync(path.join(SOURCE_DIR, 'oscal')))
      names.push(
        ...readdirSync(path.join(SOURCE_DIR, 'oscal'))
          .filter((f) => f.endsWith('.json'))
          .map((f) => `oscal/${f}`),
      );
    expect(names).toContain('bundle.json');
    expect(names).toContain('bundle.sig.json');
    const html = readFileSync(path.join(outDir, 'downloads/index.html'), 'utf8');
    for (const n of names) {
      const res = await fetch(`${server.url}/downloads/${n}`);
      expect(res.status, n).toBe(200);
      const served = Buffer.from(await res.arrayBuffer());
      expect(served.equals(readFileSync(path.join(SOURCE_DIR, n))), n).toBe(true);
      expect(html).toContain(createHash('sha256').update(served).digest('hex'));
      expect(html).toContain(`href="/downloads/${n}"`);
    }
  });

  it('gives every page a twin with its words, links and badges (twins are rendered from the data, not read from the HTML)', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    const problems: string[] = [];
    for (const p of pages) {
      await page.goto(server.url + p);
      const twin = readFileSync(path.join(outDir, p, 'index.md'), 'utf8');
      expect(twin.startsWith(`# ${(await page.textContent('main h1'))!.trim()}\n`), p).toBe(true);
      expect(twin, p).toContain(`> HTML version: https://harborcloud.example${p}\n`);
      problems.push(...twinProblems(await page.evaluate<PageFacts>(READ_MAIN), twin).map((x) => `${p}: ${x}`));
    }
    await ctx.close();
    expect(problems).toEqual([]);
  }, 240_000);

  it('publishes security.txt (RFC 9116) with an Expires within a year of the evidence time', () => {
    const txt = readFileSync(path.join(outDir, '.well-known/security.txt'), 'utf8');
    const field = (k: string) => txt.match(new RegExp(`^${k}: (.+)$`, 'm'))?.[1];
    expect(field('Contact')).toBe('mailto:' + bundle.catalog.organisation.disclosure.contact.replace(/^mailto:/, ''));
    for (const k of ['Preferred-Languages', 'Canonical', 'Policy']) expect(field(k), k).toBeTruthy();
    const envelope = JSON.parse(readFileSync(path.join(SOURCE_DIR, 'bundle.sig.json'), 'utf8'));
    const signedAt = new Date(JSON.parse(Buffer.from(envelope.payload, 'base64').toString()).predicate.signedAt);
    const expires = new Date(field('Expires')!);
    expect(expires.getTime()).toBeGreaterThan(signedAt.getTime());
    expect(expires.getTime() - signedAt.getTime()).toBeLessThanOrEqual(365 * 86_400_000);
    expect(field('Expires')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('has a markdown twin for every page, linked as "View as markdown", and an llms.txt', async () => {
    for (const f of Object.keys(result.bytes)) {
      const md = path.join(outDir, f.replace(/\.html$/, '.md'));
      expect(existsSync(md), md).toBe(true);
      const text = readFileSync(md, 'utf8');
      expect(text).toMatch(/^# \S/);
      expect(text).toContain('Evidence last verified');
      expect(readFileSync(path.join(outDir, f), 'utf8')).toContain(`href="/${f.replace(/\.html$/, '.md')}"`);
    }
    const twin = readFileSync(path.join(outDir, 'controls', bundle.evaluations[0]!.control, 'index.md'), 'utf8');
    expect(twin).toContain(`**${bundle.evaluations[0]!.observed}**`);
    const llms = readFileSync(path.join(outDir, 'llms.txt'), 'utf8');
    expect(llms).toMatch(/^# /);
    for (const c of bundle.catalog.controls) expect(llms).toContain(`/controls/${c.id}/index.html.md`);
  });
});
