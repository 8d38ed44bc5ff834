/**
 * Screenshots of the overview and a live control page at 390 px (a phone) and 1280 px (a
 * laptop), committed under test/site/__screenshots__/ and compared pixel by pixel (pixelmatch):
 * a page may differ from its screenshot in at most 0.02% of its pixels (two runs on one machine
 * differ in none; recolouring the h1 alone changes 0.1%), and not in size.
 * TRUST_UPDATE_SCREENSHOTS=1 writes the screenshots instead (look at them before committing);
 * on a mismatch the page as rendered and a diff image are left in $TMPDIR/trust-screenshots/.
 *
 * What makes the pages the same from run to run:
 * - data: the real pipeline on the demo platform, seed 1, one run (test/fixtures/site/
 *   make-fixture.ts), so counts, findings and history read alike every time;
 * - fonts: chromium gets a fontconfig of its own holding only DejaVu Sans and DejaVu Sans
 *   Mono from the dejavu-fonts-ttf npm package (a locked dependency), so the machine's fonts
 *   play no part, and the test checks that every element was drawn with them;
 * - what does change with each run is masked (a solid box): the evidence time and the dates
 *   derived from it, digests and the platform commit. Their width does not change, since
 *   DejaVu Sans draws every digit equally wide and hashes have a fixed length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { buildSite } from '../../evidence/site/build.ts';
import { makeSiteEvidence } from '../fixtures/site/make-fixture.ts';
import { serveStatic } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHOTS = path.join(import.meta.dirname, '__screenshots__');
const FAILED = path.join(os.tmpdir(), 'trust-screenshots');
const UPDATE = process.env.TRUST_UPDATE_SCREENSHOTS === '1';
/** A live control proven by structure and by data, one check's findings grouped behind <details>;
 *  read from the schema and the demo data only, so no line number of the code moves it. */
const CONTROL = 'api_keys_stored_hashed';
/** pixelmatch's per-pixel colour threshold (its default), and the share of pixels that may differ. */
const THRESHOLD = 0.1;
const MAX_DIFF_RATIO = 0.0002;

let work: string;
let server: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;

/**
 * A fontconfig that knows only DejaVu Sans and DejaVu Sans Mono, from node_modules, and maps
 * every family the site's stylesheet names to them.
 */
function fontconfig(dir: string): string {
  const from = path.join(ROOT, 'node_modules', 'dejavu-fonts-ttf', 'ttf');
  const fonts = path.join(dir, 'fonts');
  mkdirSync(fonts);
  for (const f of ['DejaVuSans', 'DejaVuSansMono'])
    for (const style of ['', '-Bold', '-Oblique', '-BoldOblique']) copyFileSync(path.join(from, `${f}${style}.ttf`), path.join(fonts, `${f}${style}.ttf`));
  const alias = (family: string, to: string) => `  <alias binding="same"><family>${family}</family><prefer><family>${to}</family></prefer></alias>`;
  const sans = ['system-ui', '-apple-system', 'Segoe UI', 'Roboto', 'Helvetica Neue', 'Helvetica', 'Arial', 'sans-serif', 'serif', 'Times New Roman'];
  const mono = ['ui-monospace', 'SFMono-Regular', 'Menlo', 'Consolas', 'Courier New', 'monospace'];
  const file = path.join(dir, 'fonts.conf');
  writeFileSync(
    file,
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      `  <dir>${fonts}</dir>`,
      `  <cachedir>${path.join(dir, 'fontconfig-cache')}</cachedir>`,
      ...sans.map((f) => alias(f, 'DejaVu Sans')),
      ...mono.map((f) => alias(f, 'DejaVu Sans Mono')),
      '  <match target="font">',
      '    <edit name="antialias" mode="assign"><bool>true</bool></edit>',
      '    <edit name="hinting" mode="assign"><bool>false</bool></edit>',
      '    <edit name="rgba" mode="assign"><const>none</const></edit>',
      '  </match>',
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'trust-screenshots-'));
  const evidenceDir = path.join(work, 'evidence');
  const { logDir } = await makeSiteEvidence(evidenceDir);
  const site = path.join(work, 'site');
  await buildSite({ bundlePath: path.join(evidenceDir, 'bundle.json'), outDir: site, logDir });
  server = await serveStatic(site);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--font-render-hinting=none',
      '--disable-lcd-text',
      '--force-color-profile=srgb',
      '--hide-scrollbars',
    ],
    env: { ...process.env, FONTCONFIG_FILE: fontconfig(work) },
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * Wraps what changes from run to run in <span data-volatile>: timestamps and dates
 * (2026-12-06, 2026-12-06 16:15 UTC, ISO forms) and hex digests of 12 digits or more
 * (digests, their short forms ending in "…", the commit). Inline spans without style: the
 * layout does not move.
 */
function markVolatile(page: Page): Promise<number> {
  return page.evaluate(() => {
    const re = /\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z| UTC)?)?|\b(?:sha256:)?[0-9a-f]{12,}\b…?/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n as Text).data.search(re) >= 0) nodes.push(n as Text);
    let count = 0;
    for (const node of nodes) {
      const text = node.data;
      const frag = document.createDocumentFragment();
      let last = 0;
      for (const m of text.matchAll(re)) {
        frag.append(text.slice(last, m.index));
        const span = document.createElement('span');
        span.setAttribute('data-volatile', '');
        span.textContent = m[0];
        frag.append(span);
        last = m.index! + m[0].length;
        count++;
      }
      frag.append(text.slice(last));
      node.replaceWith(frag);
    }
    return count;
  });
}

/** The families chromium drew `selector`'s text with. */
async function platformFonts(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector });
  const families = new Set<string>();
  for (const nodeId of nodeIds) for (const f of (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts) families.add(f.familyName);
  await cdp.detach();
  return [...families].sort();
}

async function screenshot(urlPath: string, width: number): Promise<Buffer> {
  const ctx = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, colorScheme: 'light', reducedMotion: 'reduce', bypassCSP: true });
  try {
    const page = await ctx.newPage();
    const res = await page.goto(server.url + urlPath, { waitUntil: 'load' });
    expect(res?.status(), urlPath).toBe(200);
    await page.evaluate(() => document.fonts.ready);
    // Drawn with the fonts this test gave chromium, not the machine's.
    expect(await platformFonts(page, 'h1, main p, main li, main code, footer')).toEqual(expect.arrayContaining(['DejaVu Sans']));
    for (const f of await platformFonts(page, 'body *')) expect(f, urlPath).toMatch(/^DejaVu Sans( Mono)?$/);
    expect(await markVolatile(page), urlPath).toBeGreaterThan(0);
    return await page.screenshot({ fullPage: true, mask: [page.locator('[data-volatile]')], maskColor: '#ff00ff', animations: 'disabled', caret: 'hide', scale: 'css' });
  } finally {
    await ctx.close();
  }
}

/** Compares with the committed screenshot (or writes it, with TRUST_UPDATE_SCREENSHOTS=1). */
function compare(name: string, actual: Buffer): void {
  const file = path.join(SHOTS, `${name}.png`);
  if (UPDATE) {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(file, actual);
    console.log(`screenshot written: ${path.relative(ROOT, file)}`);
    return;
  }
  const keep = (suffix: string, png: Buffer) => {
    mkdirSync(FAILED, { recursive: true });
    const out = path.join(FAILED, `${name}.${suffix}.png`);
    writeFileSync(out, png);
    return out;
  };
  expect(existsSync(file), `${path.relative(ROOT, file)} is missing: run with TRUST_UPDATE_SCREENSHOTS=1, look at it, commit it`).toBe(true);
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(actual);
  if (want.width !== got.width || want.height !== got.height) {
    const at = keep('actual', actual);
    expect.fail(`${name}: ${got.width}x${got.height} px, the committed screenshot is ${want.width}x${want.height} (page as rendered: ${at}; if the change is intended, TRUST_UPDATE_SCREENSHOTS=1)`);
  }
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: THRESHOLD });
  const ratio = differing / (want.width * want.height);
  console.log(`screenshot ${name}: ${got.width}x${got.height}, ${differing} pixels differ (${(ratio * 100).toFixed(3)}%)`);
  if (ratio > MAX_DIFF_RATIO) {
    const at = keep('actual', actual);
    const d = keep('diff', PNG.sync.write(diff));
    expect.fail(
      `${name}: ${differing} pixels (${(ratio * 100).toFixed(3)}%) differ from the committed screenshot, more than ${MAX_DIFF_RATIO * 100}% (page as rendered: ${at}; diff: ${d}; if the change is intended, TRUST_UPDATE_SCREENSHOTS=1)`,
    );
  }
}

describe('screenshots of the site', () => {
  for (const width of [390, 1280]) {
    it(`overview at ${width} px`, async () => compare(`overview-${width}`, await screenshot('/', width)), 120_000);
    it(`a live control page at ${width} px`, async () => compare(`control-${width}`, await screenshot(`/controls/${CONTROL}/`, width)), 120_000);
  }
});
