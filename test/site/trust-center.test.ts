/**
 * The trust center as a buyer's tools see it: trust.json and its signature, every badge of
 * every page equal to it, the pages under an enforced Content-Security-Policy with no inline
 * style and CSS-valid ids, markdown twins where llmstxt.org looks, documents with their
 * SHA-256, and verify.mjs passing on the built site and failing (exit 1) on a badge raised to
 * live, a forged trust.json and a log with a rewritten leaf.
 *
 * Evidence is made by the real pipeline (test/fixtures/site/make-fixture.ts) with a signing
 * key this test holds, so it can also grow and rewrite the transparency log as an attacker
 * holding the key could, and show that the consistency proof catches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildSite, type BuildSiteResult } from '../../evidence/site/build.ts';
import { BundleSchema, type Bundle } from '../../evidence/types.ts';
import { makeSiteEvidence } from '../fixtures/site/make-fixture.ts';
import { launchChromium, serveStatic } from './harness.ts';
import { append, proveConsistency, proveInclusion } from '../../evidence/tlog/log.ts';
import { noteSigner } from '../../evidence/tlog/note.ts';
import { parseCheckpointText } from '../../evidence/tlog/checkpoint.ts';
import { parseNote } from '../../evidence/tlog/note.ts';
import { leafHash as libLeafHash } from '../../evidence/tlog/hash.ts';
import { verifyConsistency as libConsistency, verifyInclusion as libInclusion } from '../../evidence/tlog/proof.ts';
import { entriesPath, parseBundle, encodeEntry } from '../../evidence/tlog/tiles.ts';
// @ts-expect-error verify.mjs is plain JavaScript, deliberately without types
import * as V from '../../evidence/site/verify.mjs';
import type { LogReceipt } from '../../evidence/tlog/gate.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'trust-center-'));
const evidenceDir = path.join(tmp, 'evidence');
const site = path.join(tmp, 'site');
// TRUST_CENTER_TEST_EVIDENCE (a directory the pipeline wrote) with TRUST_CENTER_TEST_KEY (the PEM
// that signed it) reuses existing evidence instead of running the demo (for iterating on the site).
const REUSE = process.env.TRUST_CENTER_TEST_EVIDENCE;
const PEM = REUSE ? readFileSync(process.env.TRUST_CENTER_TEST_KEY!, 'utf8') : generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const privateKey = createPrivateKey(PEM);
let bundle: Bundle;
/** The transparency log the evidence was recorded in (the site publishes it; it is not in the set). */
let logDir: string | undefined = process.env.TRUST_CENTER_TEST_LOG;
let result: BuildSiteResult;
let htmlFiles: string[];
let browser: Browser;
let server: Awaited<ReturnType<typeof serveStatic>>;

beforeAll(async () => {
  if (REUSE) cpSync(REUSE, evidenceDir, { recursive: true });
  else {
    const saved = process.env.TRUST_SIGNING_KEY;
    process.env.TRUST_SIGNING_KEY = PEM;
    try {
      logDir = (await makeSiteEvidence(evidenceDir)).logDir;
    } finally {
      if (saved === undefined) delete process.env.TRUST_SIGNING_KEY;
      else process.env.TRUST_SIGNING_KEY = saved;
    }
  }
  bundle = BundleSchema.parse(JSON.parse(readFileSync(path.join(evidenceDir, 'bundle.json'), 'utf8')));
  result = await buildSite({ bundlePath: path.join(evidenceDir, 'bundle.json'), outDir: site, logDir });
  htmlFiles = Object.keys(result.bytes);
  server = await serveStatic(site);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const html = (f: string) => readFileSync(path.join(site, f), 'utf8');
const trust = () =>
  JSON.parse(readFileSync(path.join(site, 'trust.json'), 'utf8')) as {
    bundle: { sha256: string };
    claims: { id: string; status: string; proof: string[]; evidenceSha256: string; lastVerified: string; freshUntil: string; since: string }[];
  };

/** Runs the downloaded verify.mjs from a directory of its own, with no node_modules in reach. */
function runVerify(dir: string, ...args: string[]): { status: number; out: string } {
  const alone = mkdtempSync(path.join(tmp, 'v-'));
  cpSync(path.join(site, 'downloads', 'verify.mjs'), path.join(alone, 'verify.mjs'));
  const r = spawnSync(process.execPath, ['verify.mjs', '--site', dir, ...args], { cwd: alone, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function copySite(name: string): string {
  const dir = path.join(tmp, name);
  cpSync(site, dir, { recursive: true });
  return dir;
}

describe('trust.json', () => {
  it('has one entry per control with the observed status, proof, digest and freshness, signed with the bundle key', () => {
    const t = trust();
    const byId = new Map(t.claims.map((c) => [c.id, c]));
    expect(byId.size).toBe(bundle.evaluations.length);
    for (const e of bundle.evaluations) {
      const c = byId.get(e.control)!;
      expect(c.status, e.control).toBe(e.observed);
      expect(c.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(new Date(c.freshUntil).getTime()).toBeGreaterThan(new Date(c.lastVerified).getTime());
      if (e.observed === 'live') expect(c.proof.length, e.control).toBeGreaterThan(0);
    }
    const bytes = readFileSync(path.join(site, 'trust.json'));
    expect(t.bundle.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(path.join(site, 'downloads', 'bundle.json')))
        .digest('hex'),
    );
    const env = JSON.parse(readFileSync(path.join(site, 'trust.sig.json'), 'utf8'));
    const payload = Buffer.from(env.payload, 'base64');
    expect(JSON.parse(payload.toString()).subject[0].digest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `), payload]);
    expect(verify(null, pae, createPublicKey(readFileSync(path.join(site, 'downloads', 'bundle.pub.pem'))), Buffer.from(env.signatures[0].sig, 'base64'))).toBe(true);
    expect(readFileSync(path.join(site, 'downloads', 'trust.json')).equals(bytes)).toBe(true);
  });

  it('is linked from every page, from security.txt and from llms.txt', () => {
    for (const f of htmlFiles) expect(html(f), f).toMatch(/href="\/trust\.json"/);
    expect(readFileSync(path.join(site, '.well-known', 'security.txt'), 'utf8')).toContain('/trust.json');
    expect(readFileSync(path.join(site, 'llms.txt'), 'utf8')).toContain('/trust.json');
  });

  it('every badge on every page equals trust.json, and every control page carries its own', () => {
    const want = new Map(trust().claims.map((c) => [c.id, c.status]));
    let n = 0;
    for (const f of htmlFiles) {
      const page = html(f);
      for (const m of page.matchAll(/<span class="badge badge-(\w+)" data-status="(\w+)"(?: data-control="([^"]+)")?><span aria-hidden="true">.<\/span> (\w+)<\/span>/g)) {
        n++;
        expect([m[1], m[4]!.toLowerCase()], f).toEqual([m[2], m[2]]);
        if (m[3]) expect(m[2], `${f} ${m[3]}`).toBe(want.get(m[3]));
      }
      const id = /^controls\/([^/]+)\/index\.html$/.exec(f)?.[1];
      if (id && want.has(id)) expect(page, f).toContain(`data-control="${id}"`);
    }
    expect(n).toBeGreaterThan(bundle.evaluations.length);
  });
});

describe('pages', () => {
  it('carry no inline style attribute, only CSS-valid ids, and the policy of _headers in a <meta>', () => {
    const policy = /Content-Security-Policy: (.+)/.exec(readFileSync(path.join(site, '_headers'), 'utf8'))![1]!;
    expect(policy).toContain("style-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    for (const f of htmlFiles) {
      const page = html(f);
      expect(page, f).not.toMatch(/<[^>]+\sstyle=/);
      for (const m of page.matchAll(/\sid="([^"]*)"/g)) expect(m[1], f).toMatch(/^-?[_a-zA-Z][_a-zA-Z0-9-]*$/);
      expect(page, f).toContain(`<meta http-equiv="Content-Security-Policy" content="${policy.replace(/; frame-ancestors 'none'/, '')}"`);
    }
  });

  it('load in Chromium under the enforced policy with no violation, and the policy does refuse an inline style', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(() => {
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    // The same policy as a header too, as a host serving _headers sends it.
    const policy = /Content-Security-Policy: (.+)/.exec(readFileSync(path.join(site, '_headers'), 'utf8'))![1]!;
    await page.route('**/*', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': policy } });
    });
    const sample = ['/', '/controls/', `/controls/${bundle.evaluations[0]!.control}/`, '/frameworks/iso27001/', '/readiness/', '/subprocessors/', '/documents/', '/downloads/'];
    for (const p of sample) {
      await page.goto(server.url + p, { waitUntil: 'load' });
      const seen = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      expect(seen, p).toEqual([]);
      // Every id works as a selector (an id such as 5-1 would throw here).
      const bad = await page.evaluate(() =>
        [...document.querySelectorAll('[id]')]
          .map((e) => e.id)
          .filter((id) => {
            try {
              return document.querySelector(`#${id}`) === null;
            } catch {
              return true;
            }
          }),
      );
      expect(bad, p).toEqual([]);
    }
    expect(problems).toEqual([]);
    // The policy is really enforced: an inline style set now is refused and reported.
    await page.evaluate(() => {
      const d = document.createElement('div');
      d.innerHTML = '<p style="color:red">x</p>';
      document.body.append(d);
    });
    await page.waitForTimeout(100);
    expect((await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).join()).toMatch(/style-src/);
    await ctx.close();
  }, 120_000);

  it('have markdown twins at index.md, index.html.md and <dir>.md (llmstxt.org)', () => {
    for (const f of htmlFiles) {
      const twin = readFileSync(path.join(site, f.replace(/\.html$/, '.md')));
      expect(readFileSync(path.join(site, `${f}.md`)).equals(twin), f).toBe(true);
      const dir = path.dirname(f);
      if (dir !== '.') expect(readFileSync(path.join(site, `${dir}.md`)).equals(twin), f).toBe(true);
    }
    const llms = readFileSync(path.join(site, 'llms.txt'), 'utf8');
    for (const m of llms.matchAll(/\]\(https:\/\/harborcloud\.example(\/[^)]*)\)/g)) expect(existsSync(path.join(site, m[1]!)), m[1]).toBe(true);
  });

  it('overview: a tile per area with counts, framework bars, roadmap, contact, latest changes', () => {
    const page = html('index.html');
    for (const area of ['Data residency', 'Isolation', 'Logging and audit', 'Encryption', 'Access control', 'Privacy', 'Vulnerability management', 'Vendors']) expect(page).toContain(`>${area}<`);
    for (const f of bundle.catalog.frameworks) expect(page).toContain(`href="/frameworks/${f.id}/"`);
    expect(page).toContain('id="certification"');
    expect(page).toContain(`mailto:${bundle.catalog.organisation.disclosure.contact.replace(/^mailto:/, '')}`);
    expect(page).toContain('id="changes"');
    expect(page).not.toMatch(/<script/);
  });

  it('control pages: one row per check with its findings behind <details>, and since and proof up front', () => {
    let details = 0;
    for (const e of bundle.evaluations) {
      const page = html(`controls/${e.control}/index.html`);
      expect(page).not.toContain('(same check)');
      expect(page).toMatch(/<dt>Since<\/dt>/);
      expect(page).toMatch(/<dt>Kind of proof<\/dt>/);
      const rows = page.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr>/g)?.length ?? 0;
      expect(rows, e.control).toBe(e.checks.length);
      details += e.checks.filter((k) => k.findings.length > 1).length;
    }
    expect(details).toBeGreaterThan(0);
  });

  it('documents: each policy with version, date and the SHA-256 of the file served', () => {
    const page = html('documents/index.html');
    const files = readdirSync('controls/policies').filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const served = readFileSync(path.join(site, 'policies', f));
      expect(served.equals(readFileSync(path.join('controls/policies', f)))).toBe(true);
      expect(page).toContain(createHash('sha256').update(served).digest('hex'));
      expect(existsSync(path.join(site, 'documents', f.replace(/\.md$/, ''), 'index.html'))).toBe(true);
    }
    expect(page).toContain('id="nda"');
  });

  it('subprocessors: from the vendor registry, with since, and a feed', () => {
    const page = html('subprocessors/index.html');
    const feed = JSON.parse(readFileSync(path.join(site, 'subprocessors.json'), 'utf8'));
    for (const s of bundle.catalog.organisation.subprocessors) {
      expect(page).toContain(s.name.replace(/&/g, '&amp;'));
      expect(feed.items.some((i: { title: string }) => i.title.includes(s.name))).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(site, 'feed.json'), 'utf8')).version).toBe('https://jsonfeed.org/version/1.1');
  });
});

describe('the transparency log', () => {
  it("the set carries only the run's receipt (its checkpoint and inclusion proof); the site publishes the log it extends", () => {
    // Nothing in the set names another run: no tiles, no entry bundles, just this run's receipt.
    expect(readdirSync(path.join(evidenceDir, 'log')).sort()).toEqual(['checkpoint', 'inclusion.json']);
    const receipt = JSON.parse(readFileSync(path.join(evidenceDir, 'log', 'inclusion.json'), 'utf8')) as LogReceipt['inclusion'];
    const run = parseCheckpointText(parseNote(readFileSync(path.join(evidenceDir, 'log', 'checkpoint'), 'utf8')).text);
    expect([receipt.origin, receipt.treeSize]).toEqual([run.origin, run.size]);
    expect(JSON.parse(receipt.entry)).toMatchObject({
      kind: 'bundle',
      bundleSha256: createHash('sha256')
        .update(readFileSync(path.join(evidenceDir, 'bundle.json')))
        .digest('hex'),
    });
    expect(libLeafHash(Buffer.from(receipt.entry)).toString('base64')).toBe(receipt.leafHash);
    expect(
      libInclusion(
        receipt.index,
        receipt.treeSize,
        Buffer.from(receipt.leafHash, 'base64'),
        receipt.proof.map((p) => Buffer.from(p, 'base64')),
        run.root,
      ),
    ).toBe(true);
    // The site: the log directory's latest checkpoint, with every tile and entry bundle it covers.
    if (logDir) expect(readFileSync(path.join(site, 'log', 'checkpoint')).equals(readFileSync(path.join(logDir, 'checkpoint')))).toBe(true);
    const published = parseCheckpointText(parseNote(readFileSync(path.join(site, 'log', 'checkpoint'), 'utf8')).text);
    expect(published.size).toBeGreaterThanOrEqual(run.size);
    expect(existsSync(path.join(site, 'log', entriesPath(0, Math.min(256, published.size))))).toBe(true);
  });
});

describe('verify.mjs', () => {
  it('is one file importing Node built-ins only, and passes on the built site', () => {
    const src = readFileSync(path.join(site, 'downloads', 'verify.mjs'), 'utf8');
    for (const m of src.matchAll(/^import .* from '([^']+)';$/gm)) expect(m[1]).toMatch(/^node:/);
    expect(html('downloads/index.html')).toContain('href="/downloads/verify.mjs"');
    const r = runVerify(site);
    expect(r.out).toContain('verified');
    expect(r.status).toBe(0);
    // The checkpoint published today, kept and passed back: consistent with itself.
    const kept = path.join(tmp, 'kept-checkpoint');
    cpSync(path.join(site, 'log', 'checkpoint'), kept);
    expect(runVerify(site, '--checkpoint', kept).status).toBe(0);
    expect(runVerify(path.join(tmp, 'no-such-site')).status).toBe(2);
    expect(runVerify(site, '--fingerprint', '0'.repeat(64)).status).toBe(1);
  });

  it('exits 1 on a copy with one badge raised to live', () => {
    const e = bundle.evaluations.find((x) => x.observed === 'designed')!;
    const dir = copySite('t-badge');
    const file = path.join(dir, 'controls', e.control, 'index.html');
    const page = readFileSync(file, 'utf8');
    const forged = page.replace(
      /<span class="badge badge-designed" data-status="designed"([^>]*)><span aria-hidden="true">◐<\/span> Designed<\/span>/,
      '<span class="badge badge-live" data-status="live"$1><span aria-hidden="true">✓</span> Live</span>',
    );
    expect(forged).not.toBe(page);
    writeFileSync(file, forged);
    const r = runVerify(dir);
    expect(r.out).toMatch(/badge/);
    expect(r.status).toBe(1);
  });

  it('exits 1 on a forged trust.json, re-signed or not', () => {
    const e = bundle.evaluations.find((x) => x.observed === 'designed')!;
    const dir = copySite('t-trust');
    const t = JSON.parse(readFileSync(path.join(dir, 'trust.json'), 'utf8'));
    t.claims.find((c: { id: string }) => c.id === e.control).status = 'live';
    writeFileSync(path.join(dir, 'trust.json'), JSON.stringify(t, null, 2) + '\n');
    expect(runVerify(dir).status).toBe(1);
    cpSync(path.join(dir, 'trust.json'), path.join(dir, 'downloads', 'trust.json'));
    // Forged by someone holding the key: the signature verifies, the content does not match the bundle.
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
      const { signTrustJson } = await import(${JSON.stringify(path.resolve('evidence/site/trust-json.ts'))});
      const { readFileSync, writeFileSync } = await import('node:fs');
      const { createPrivateKey, createPublicKey } = await import('node:crypto');
      const privateKey = createPrivateKey(process.env.PEM);
      const bytes = readFileSync(process.env.DIR + '/trust.json');
      writeFileSync(process.env.DIR + '/trust.sig.json', signTrustJson(bytes, { privateKey, publicKey: createPublicKey(privateKey), keyid: 'x' }, { signedAt: new Date(), bundleSha256: 'x' }));
    `,
      ],
      { env: { ...process.env, PEM, DIR: dir }, stdio: 'pipe' },
    );
    const r = runVerify(dir);
    expect(r.out).toMatch(/trust\.json says/);
    expect(r.status).toBe(1);
  });

  it('exits 1 on a log with a rewritten leaf, and on a log rewritten and re-signed since a kept checkpoint', async () => {
    // 1. The bundle's leaf rewritten in place (same length, other verdicts): inclusion fails.
    const dir = copySite('t-leaf');
    const cp = parseCheckpointText(parseNote(readFileSync(path.join(dir, 'log', 'checkpoint'), 'utf8')).text);
    const file = path.join(dir, 'log', entriesPath(0, cp.size));
    const entries = parseBundle(readFileSync(file));
    const i = entries.findIndex((x) => x.toString().includes('"kind":"bundle"'));
    entries[i] = Buffer.from(entries[i]!.toString().replace(/"failing":0/, '"failing":1'));
    writeFileSync(file, Buffer.concat(entries.map(encodeEntry)));
    expect(runVerify(dir).status).toBe(1);

    // 2. The log grown by 300 entries (across a tile boundary) by the key holder: consistent with the kept checkpoint.
    const kept = path.join(tmp, 'kept-before-growth');
    cpSync(path.join(site, 'log', 'checkpoint'), kept);
    const origin = cp.origin;
    const signer = noteSigner(origin, privateKey);
    const grown = copySite('t-grown');
    await append(
      path.join(grown, 'log'),
      Array.from({ length: 300 }, (_, k) => Buffer.from(`{"n":${k}}`)),
      signer,
    );
    expect(runVerify(grown, '--checkpoint', kept).status).toBe(0);

    // 3. The log rebuilt from scratch with an earlier entry changed and signed again by the
    //    key holder: the bundle is still included, but the log is no extension of the kept checkpoint.
    const rebuilt = copySite('t-rebuilt');
    const logDir = path.join(rebuilt, 'log');
    const original = parseBundle(readFileSync(path.join(site, 'log', entriesPath(0, cp.size))));
    rmSync(logDir, { recursive: true });
    // An entry other than the bundle's changed (a trailing space: other bytes, same JSON), or,
    // when the bundle's is the only one, an entry slipped in before it.
    const j = original.findIndex((_x, k) => k !== i);
    const changed = j >= 0 ? original.map((x, k) => (k === j ? Buffer.from(`${x.toString()} `) : x)) : [Buffer.from('{"n":"slipped in"}'), ...original];
    await append(logDir, [...changed, ...Array.from({ length: 5 }, (_, k) => Buffer.from(`{"n":${k}}`))], signer);
    expect(runVerify(rebuilt).status).toBe(0);
    const r = runVerify(rebuilt, '--checkpoint', kept);
    expect(r.out).toMatch(/rewritten/);
    expect(r.status).toBe(1);
  }, 60_000);

  it('proves inclusion and consistency exactly as the log library does (RFC 9162), across tile boundaries', async () => {
    const dir = path.join(tmp, 'lib-log');
    const signer = noteSigner('example.test/log', generateKeyPairSync('ed25519').privateKey);
    const leaves = Array.from({ length: 600 }, (_, k) => Buffer.from(`leaf ${k}`));
    // Proofs are checked at each size right after it is appended: a log keeps the partial
    // tiles of its current size, which is all a verifier of that checkpoint reads.
    const sizes = [1, 2, 3, 255, 256, 257, 511, 600];
    let done = 0;
    for (const size of sizes) {
      await append(dir, leaves.slice(done, size), signer);
      done = size;
      const src = V.tileSource(dir, size);
      const root = V.rangeHash(src, 0, size) as Buffer;
      for (const index of [...new Set([0, 1, Math.floor(size / 2), size - 1])].filter((x) => x < size)) {
        const proof: Buffer[] = V.inclusionPath(src, index, 0, size);
        expect(proof.map((p) => p.toString('hex'))).toEqual(proveInclusion(dir, index, size).map((p) => p.toString('hex')));
        expect(V.verifyInclusion(index, size, V.leafHash(leaves[index]), proof, root)).toBe(true);
        expect(libInclusion(index, size, libLeafHash(leaves[index]!), proof, root)).toBe(true);
        expect(V.verifyInclusion(index, size, V.leafHash(Buffer.from('other')), proof, root)).toBe(false);
      }
      for (const m of sizes.filter((x) => x <= size)) {
        const c: Buffer[] = m === size ? [] : V.subproof(src, m, 0, size, true);
        expect(c.map((p) => p.toString('hex'))).toEqual(proveConsistency(dir, m, size).map((p) => p.toString('hex')));
        const r1 = V.rangeHash(src, 0, m) as Buffer;
        expect(V.verifyConsistency(m, size, c, r1, root)).toBe(true);
        expect(libConsistency(m, size, c, r1, root)).toBe(true);
        if (m < size) expect(V.verifyConsistency(m, size, c, V.leafHash(Buffer.from('x')), root)).toBe(false);
      }
    }
  }, 60_000);
});
