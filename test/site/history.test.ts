/**
 * Evidence over time on the site (issue 16): the real pipeline makes a run on the demo
 * platform (test/fixtures/site/make-fixture.ts), `trust demo --history 90d`'s code appends 90
 * days of simulated runs before it to the same transparency log, and the site is built twice:
 * from that log, and from a copy of the log taken before the simulated history (a fresh
 * `npm start`: one run).
 * - every history figure on every control page (live since, first live, last failure, runs,
 *   streak, uptime over 30/90/365 days with runs and failing runs, the status changes listed)
 *   equals what `trust history --json` prints for the same log at the bundle's signing time;
 * - each live control draws its 90-day timeline as inline SVG with <title> and <desc>, no script,
 *   no inline style; axe finds nothing on the pages that carry it;
 * - /changes.atom is valid against RFC 4287's RELAX NG schema (test/fixtures/atom/atom.rng, with
 *   xmllint) and the appendix's two Schematron rules, and its entries are the newest claim changes
 *   of that same `trust history --json`;
 * - every released catalog version has its "as of" page, listing every control of the release;
 * - with a single run, pages read "first verified on …" and draw no chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildSite, type BuildSiteResult } from '../../evidence/site/build.ts';
import { keyIdOf, verifierKeyString } from '../../evidence/tlog/note.ts';
import { claimChanges, type HistoryReport } from '../../evidence/contract.ts';
import { readReleases } from '../../evidence/mapping/releases.ts';
import { makeSiteEvidence, writeFixtureHistory } from '../fixtures/site/make-fixture.ts';
import { launchChromium, serveStatic } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const ATOM_RNG = path.join(ROOT, 'test/fixtures/atom/atom.rng');
const DAY = 86_400_000;

let work: string;
let history: HistoryReport;
let single: HistoryReport;
let site: string;
let singleSite: string;
let built: BuildSiteResult;

/** `trust history --json` over `logDir`, judged at the bundle's signing time, pinned to the bundle's key. */
function trustHistory(logDir: string, evidenceDir: string): HistoryReport {
  const envelope = JSON.parse(readFileSync(path.join(evidenceDir, 'bundle.sig.json'), 'utf8')) as { payload: string };
  const signedAt = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { signedAt: string } }).predicate.signedAt;
  const origin = readFileSync(path.join(logDir, 'checkpoint'), 'utf8').split('\n')[0]!;
  const publicKey = createPublicKey(readFileSync(path.join(evidenceDir, 'bundle.pub.pem')));
  const vkey = verifierKeyString({ name: origin, keyId: keyIdOf(origin, publicKey), publicKey });
  const out = execFileSync(process.execPath, [path.join(ROOT, 'evidence/cli/bin.mjs'), 'history', '--json', '--dir', logDir, '--as-of', signedAt, '--vkey', vkey], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const report = JSON.parse(out) as HistoryReport;
  expect(report.asOf).toBe(new Date(signedAt).toISOString());
  return report;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'trust-site-history-'));
  const evidenceDir = path.join(work, 'evidence');
  const { logDir } = await makeSiteEvidence(evidenceDir);
  // The fresh install: the run's evidence and its log as they are now, one run.
  const singleEvidence = path.join(work, 'evidence-single');
  const singleLog = path.join(work, 'tlog-single');
  cpSync(evidenceDir, singleEvidence, { recursive: true, dereference: true });
  cpSync(logDir, singleLog, { recursive: true });
  // trust demo --history 90d, on the fixture's data directory (its log and its signing key).
  expect(await writeFixtureHistory(logDir, 90)).toBeGreaterThan(1000);
  site = path.join(work, 'site');
  singleSite = path.join(work, 'site-single');
  built = await buildSite({ bundlePath: path.join(evidenceDir, 'bundle.json'), outDir: site, logDir });
  await buildSite({ bundlePath: path.join(singleEvidence, 'bundle.json'), outDir: singleSite, logDir: singleLog });
  history = trustHistory(logDir, evidenceDir);
  single = trustHistory(singleLog, singleEvidence);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const page = (root: string, id: string) => readFileSync(path.join(root, 'controls', id, 'index.html'), 'utf8');
const dataValue = (html: string, cls: string) => [...html.matchAll(/<data class="([^"]*)" value="([^"]*)"/g)].filter((m) => m[1] === cls).map((m) => m[2]);
const timeOf = (html: string, cls: string) => [...html.matchAll(/<time class="([^"]*)" datetime="([^"]*)"/g)].filter((m) => m[1] === cls).map((m) => m[2]);
const section = (html: string) => html.slice(html.indexOf('id="operating-history"'), html.indexOf('id="how-it-works"'));

describe('control pages show the history trust history --json gives for the same log', () => {
  it('the log holds 90 days of simulated runs and the run itself', () => {
    expect(history.simulatedRuns).toBeGreaterThan(1000);
    expect(history.runs).toBe(history.simulatedRuns + 1);
    const live = history.controls.filter((c) => c.claimed === 'live');
    expect(live.length).toBeGreaterThan(10);
    // The demo's regression on day 60 and the silent days 41 to 43 are in the history.
    expect(history.controls.some((c) => c.lastFailure !== null)).toBe(true);
    expect(live.every((c) => c.changes.some((ch) => ch.to === 'stale'))).toBe(true);
  });

  it('every figure on every control page equals trust history --json', () => {
    const asOf = Date.parse(history.asOf);
    let compared = 0;
    for (const c of history.controls) {
      const html = section(page(site, c.id));
      expect(dataValue(html, 'runs'), c.id).toEqual([String(c.runs)]);
      expect(dataValue(html, 'simulated-runs'), c.id).toEqual(c.simulatedRuns ? [String(c.simulatedRuns)] : []);
      expect(timeOf(html, 'first-run'), c.id).toEqual([c.firstRun!.at]);
      expect(timeOf(html, 'first-live'), c.id).toEqual(c.firstLive ? [c.firstLive.at] : []);
      expect(timeOf(html, 'last-failure'), c.id).toEqual(c.lastFailure ? [c.lastFailure.at] : []);
      if (c.firstLive && c.state === 'live') {
        expect(timeOf(html, 'live-since'), c.id).toEqual([c.currentStreak!.since]);
        expect(dataValue(html, 'streak-runs'), c.id).toEqual([String(c.currentStreak!.runs)]);
      } else if (c.firstLive) expect(timeOf(html, 'state-since'), c.id).toEqual([c.currentStreak!.since]);
      if (c.firstLive) {
        for (const u of c.uptime) {
          const row = html.slice(html.indexOf(`<tr data-days="${u.days}">`), html.indexOf('</tr>', html.indexOf(`<tr data-days="${u.days}">`)));
          expect(row, `${c.id} ${u.days}d`).not.toBe('');
          expect(dataValue(row, 'uptime-value'), `${c.id} ${u.days}d`).toEqual(u.uptime === null ? [] : [String(u.uptime)]);
          expect(dataValue(row, 'uptime-runs'), `${c.id} ${u.days}d`).toEqual([String(u.runs)]);
          expect(dataValue(row, 'uptime-failing'), `${c.id} ${u.days}d`).toEqual([String(u.failingRuns)]);
          compared++;
        }
        // The status changes listed: those of the last 90 days, newest first (at most 20).
        const inWindow = c.changes
          .filter((ch) => Date.parse(ch.at) >= asOf - 90 * DAY && Date.parse(ch.at) <= asOf)
          .reverse()
          .slice(0, 20);
        const listed = [...(html.split('<ol class="changes"')[1]?.split('</ol>')[0] ?? '').matchAll(/<time datetime="([^"]*)"/g)].map((m) => m[1]);
        expect(listed, c.id).toEqual(inWindow.map((ch) => ch.at));
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('every live control draws its 90-day timeline as inline SVG with a text alternative and a plain-text summary', () => {
    const live = history.controls.filter((c) => c.claimed === 'live');
    expect(Object.keys(built.bytes)).toEqual(expect.arrayContaining(live.map((c) => `controls/${c.id}/index.html`)));
    for (const c of live) {
      const html = section(page(site, c.id));
      const svg = /<svg class="timeline"[^>]*>([\s\S]*?)<\/svg>/.exec(html);
      expect(svg, c.id).not.toBeNull();
      expect(svg![0]).toMatch(/role="img"/);
      expect(svg![0]).toMatch(/aria-labelledby="tl-[^"]+-t tl-[^"]+-d"/);
      expect(svg![1]).toMatch(/^\s*<title id="tl-[^"]+-t">90-day timeline of /);
      const u90 = c.uptime.find((u) => u.days === 90)!;
      const desc = /<desc id="[^"]+">([^<]*)<\/desc>/.exec(svg![1])![1]!;
      expect(desc).toContain(`${(u90.uptime! * 100).toFixed(2)}%`);
      expect(html).toContain(`<p class="timeline-summary">${desc}</p>`);
      expect(svg![1]).toMatch(/<rect class="tl-live"/);
      expect(html).toMatch(/Simulated history/);
    }
  });

  it('the demo regression shows as a failing stretch on the timeline', () => {
    const failed = history.controls.find((c) => c.lastFailure)!;
    const html = section(page(site, failed.id));
    expect(html).toMatch(/<rect class="tl-failing"/);
    expect(html).toMatch(/<rect class="tl-stale"/);
    expect(html).toContain('(down)');
  });

  it('pages carry no script and no inline style attribute', () => {
    for (const e of readdirSync(site, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !e.name.endsWith('.html')) continue;
      const html = readFileSync(path.join(e.parentPath, e.name), 'utf8');
      expect(html, e.name).not.toMatch(/<script/i);
      expect(html, e.name).not.toMatch(/\sstyle=/i);
    }
  });
});

describe('the Atom feed of claim changes', () => {
  it('validates against the RELAX NG schema of RFC 4287 (xmllint)', () => {
    const feed = path.join(site, 'changes.atom');
    expect(readFileSync(feed, 'utf8').startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"')).toBe(true);
    execFileSync('xmllint', ['--noout', '--relaxng', ATOM_RNG, feed], { stdio: 'pipe' });
    // The schema refuses a broken feed (it is really checked): an entry without its id.
    const broken = path.join(work, 'broken.atom');
    writeFileSync(broken, readFileSync(feed, 'utf8').replace(/<entry>\n {4}<id>[^<]*<\/id>/, '<entry>'));
    expect(() => execFileSync('xmllint', ['--noout', '--relaxng', ATOM_RNG, broken], { stdio: 'pipe' })).toThrow();
  });

  it('meets the schematron rules of RFC 4287 and lists the newest claim changes of trust history --json', () => {
    const xml = readFileSync(path.join(site, 'changes.atom'), 'utf8');
    const head = xml.slice(0, xml.indexOf('<entry>'));
    expect(head).toMatch(/<author><name>[^<]+<\/name>/);
    for (const el of ['id', 'title', 'updated']) expect(head).toMatch(new RegExp(`<${el}>[^<]+</${el}>`));
    expect(head).toMatch(/<link rel="self" type="application\/atom\+xml" href="https:\/\/[^"]+\/changes\.atom"\/>/);
    const entries = xml.split('<entry>').slice(1);
    const expected = claimChanges(history, 100);
    expect(entries).toHaveLength(expected.length);
    const ids = new Set<string>();
    entries.forEach((e, i) => {
      const want = expected[i]!;
      for (const el of ['id', 'title', 'updated']) expect(e).toMatch(new RegExp(`<${el}>[^<]+</${el}>`));
      expect(e).toMatch(/<link rel="alternate" type="text\/html" href="[^"]+"\/>/);
      expect(/<updated>([^<]*)<\/updated>/.exec(e)![1]).toBe(want.at);
      expect(e).toContain(`<category term="${want.kind}"`);
      expect(e).toContain(`/controls/${want.control}/`);
      expect(e).toContain(want.bundleSha256);
      ids.add(/<id>([^<]*)<\/id>/.exec(e)![1]!);
    });
    expect(ids.size).toBe(entries.length);
    expect(new Set(expected.map((c) => c.kind))).toEqual(new Set(['stale', 'up', 'down']));
  });

  it('is linked from every page, the changelog and the overview', () => {
    for (const p of ['index.html', 'changelog/index.html', 'controls/index.html']) {
      const html = readFileSync(path.join(site, p), 'utf8');
      expect(html, p).toContain('<link rel="alternate" type="application/atom+xml" href="/changes.atom"');
    }
    for (const p of ['index.html', 'changelog/index.html']) expect(readFileSync(path.join(site, p), 'utf8'), p).toContain('<a href="/changes.atom">');
  });
});

describe('the catalog as of each released version', () => {
  it('has a page per release listing every control of it, linked from the changelog', () => {
    const releases = readReleases(ROOT);
    expect(releases.length).toBeGreaterThan(0);
    const changelog = readFileSync(path.join(site, 'changelog', 'index.html'), 'utf8');
    for (const r of releases) {
      const html = readFileSync(path.join(site, 'changelog', r.catalogVersion, 'index.html'), 'utf8');
      for (const c of r.controls) expect(html, `${r.catalogVersion} ${c.id}`).toContain(`<tr data-control="${c.id}">`);
      expect(html).toContain(r.catalogSha256);
      expect(changelog).toContain(`href="/changelog/${r.catalogVersion}/"`);
    }
  });
});

describe('a single run (a fresh npm start)', () => {
  it('reads "first verified on …" with no chart, no uptime table and no simulated note', () => {
    expect(single.runs).toBe(1);
    for (const c of single.controls) {
      const html = section(page(singleSite, c.id));
      expect(html, c.id).toContain('<dt>First verified</dt>');
      expect(timeOf(html, 'first-run'), c.id).toEqual([c.firstRun!.at]);
      expect(html, c.id).not.toContain('<svg');
      expect(html, c.id).not.toContain('<table class="uptime"');
      expect(html, c.id).not.toMatch(/Simulated history/);
    }
    const feed = readFileSync(path.join(singleSite, 'changes.atom'), 'utf8');
    execFileSync('xmllint', ['--noout', '--relaxng', ATOM_RNG, path.join(singleSite, 'changes.atom')], { stdio: 'pipe' });
    expect(feed.split('<entry>').length - 1).toBe(Math.min(100, single.controls.length));
  });
});

describe('accessibility of the history pages', () => {
  let browser: Browser;
  let servers: Awaited<ReturnType<typeof serveStatic>>[] = [];
  beforeAll(async () => {
    servers = [await serveStatic(site), await serveStatic(singleSite)];
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    for (const s of servers) await s.close();
  });

  it('axe finds no violation on control pages with and without history, the changelog and an as-of page', async () => {
    const failed = history.controls.find((c) => c.lastFailure)!.id;
    const designed = history.controls.find((c) => c.claimed === 'designed')?.id;
    const version = readReleases(ROOT).at(-1)!.catalogVersion;
    const visits: [number, string][] = [
      [0, `/controls/${failed}/`],
      [0, '/changelog/'],
      [0, `/changelog/${version}/`],
      [0, '/'],
      [1, `/controls/${failed}/`],
    ];
    if (designed) visits.push([0, `/controls/${designed}/`]);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const tab = await ctx.newPage();
    const violations: string[] = [];
    for (const [s, p] of visits) {
      await tab.goto(servers[s]!.url + p);
      await tab.addScriptTag({ content: AXE });
      const found = await tab.evaluate(async () => {
        const r = await (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: { id: string; nodes: { target: unknown }[] }[] }> } }).axe.run(document, {
          resultTypes: ['violations'],
        });
        return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${JSON.stringify(v.nodes[0]?.target)}`);
      });
      violations.push(...found.map((v) => `${s ? 'single' : 'history'} ${p}: ${v}`));
    }
    await ctx.close();
    expect(violations).toEqual([]);
  }, 180_000);

  it('on a phone the history pages do not scroll sideways', async () => {
    const failed = history.controls.find((c) => c.lastFailure)!.id;
    const ctx = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const tab = await ctx.newPage();
    const wide: string[] = [];
    for (const p of [`/controls/${failed}/`, `/changelog/${readReleases(ROOT).at(-1)!.catalogVersion}/`, '/changelog/']) {
      await tab.goto(servers[0]!.url + p);
      const over = await tab.evaluate(() => {
        const client = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= client) return null;
        // The innermost element that sticks out, to say what to fix.
        const out = [...document.querySelectorAll('main *')].filter((e) => e.getBoundingClientRect().right > client + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > client + 1));
        return `${document.documentElement.scrollWidth} > ${client}: ${out
          .slice(0, 3)
          .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}">${(e.textContent ?? '').slice(0, 40)}`)
          .join(', ')}`;
      });
      if (over) wide.push(`${p}: ${over}`);
    }
    await ctx.close();
    expect(wide).toEqual([]);
  }, 60_000);
});
