/**
 * What one gate run writes, read by the validators that engineers', auditors' and buyers'
 * tools use (issue 15), so an output cannot drift back to one they reject. The third-party
 * validators themselves run here, not re-implementations:
 *   1. junit.xml: xmllint against the Jenkins xUnit plugin's junit-10.xsd (test/fixtures/junit);
 *   2. results.sarif: the OASIS SARIF 2.1.0 schema (test/fixtures/sarif), the SARIF Multitool
 *      with `--rule-kind "Gh;Sarif"`, and what GitHub code scanning reads (fullDescription,
 *      help, security-severity, partialFingerprints);
 *   3. bundle.sig.json (and the site's trust.sig.json): securesystemslib verifies the DSSE
 *      envelope (test/fixtures/dsse/verify_dsse.py, Debian's python3-securesystemslib);
 *   4. oscal/*.json: NIST's OSCAL 1.2.1 JSON Schemas (test/oscal/validate.ts), plus the
 *      cross-references a resolving tool follows;
 *   5. report.pdf: qpdf --check, pdfinfo (Tagged: yes), pdffonts (every font embedded);
 *   6. .well-known/security.txt: the rules of RFC 9116;
 *   7. llms.txt and the markdown twins where llmstxt.org puts them;
 *   8. every HTML page: the W3C Nu HTML checker (vnu-jar from npm, on Debian's Java), and no
 *      inline style attribute.
 * JUnit and SARIF are checked on a passing and a failing run, as CI sees both.
 *
 * One pipeline run serves every item: the real catalog, collectors and gate on the demo
 * platform (test/fixtures/site/make-fixture.ts), then a failing run on the same facts with a
 * Math.random call added to platform/crypto in a copy of the source tree, and the site built
 * from the passing run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseHtml } from 'parse5';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { Log } from 'sarif';
import { buildSite } from '../evidence/site/build.ts';
import { resolveInSet } from '../evidence/output/atomic-set.ts';
import { makeSiteEvidence } from './fixtures/site/make-fixture.ts';
import { modelOf, validateOscal } from './oscal/validate.ts';
import { SARIF_MULTITOOL, sarifMultitoolRuns } from './helpers/sarif-multitool.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'trust-interop-'));
const PASS = path.join(tmp, 'out');
const FAIL = path.join(tmp, 'failing');
const SITE = path.join(tmp, 'site');
const RUNS = { passing: PASS, failing: FAIL } as const;

beforeAll(async () => {
  const { logDir, failing } = await makeSiteEvidence(PASS, { failingOutDir: FAIL });
  expect(failing?.exitCode).toBe(1);
  await buildSite({ bundlePath: path.join(PASS, 'bundle.json'), outDir: SITE, logDir });
}, 900_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A file of a run's output set (its entries are links into the set's generation). */
const out = (dir: string, file: string) => resolveInSet(path.join(dir, file));
const run = (cmd: string, args: string[], timeout = 120_000) =>
  spawnSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' } });

describe('1. junit.xml: xmllint against the Jenkins xUnit junit-10.xsd', () => {
  const XSD = path.join(ROOT, 'test/fixtures/junit/junit-10.xsd');
  it.each(Object.entries(RUNS))('%s run: valid', (name, dir) => {
    const r = run('xmllint', ['--noout', '--schema', XSD, out(dir, 'junit.xml')]);
    expect(r.status, r.stderr).toBe(0);
    const xml = readFileSync(out(dir, 'junit.xml'), 'utf8');
    expect((xml.match(/<failure /g) ?? []).length).toBe(name === 'failing' ? 1 : 0);
  });

  it('rejects what Jenkins rejects (a skipped attribute on testsuites)', () => {
    const bad = path.join(tmp, 'junit-bad.xml');
    writeFileSync(bad, readFileSync(out(PASS, 'junit.xml'), 'utf8').replace('<testsuites ', '<testsuites skipped="0" '));
    const r = run('xmllint', ['--noout', '--schema', XSD, bad]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("attribute 'skipped'");
  });
});

describe('2. results.sarif: OASIS 2.1.0 schema, SARIF Multitool Gh;Sarif, GitHub code scanning', () => {
  // ajv-draft-04 and ajv-formats are CommonJS; under NodeNext the exports sit on .default.
  type Ajv04 = typeof AjvDraft04Module.default;
  const AjvDraft04: Ajv04 = (AjvDraft04Module as unknown as { default?: Ajv04 }).default ?? (AjvDraft04Module as unknown as Ajv04);
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: InstanceType<Ajv04>) => unknown;
  const sarif = (dir: string) => JSON.parse(readFileSync(out(dir, 'results.sarif'), 'utf8')) as Log;

  it.each(Object.entries(RUNS))('%s run: valid against the OASIS SARIF 2.1.0 schema (formats asserted)', (_, dir) => {
    const ajv = new AjvDraft04({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')));
    const ok = validate(sarif(dir));
    expect(ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`)).toEqual([]);
  });

  const MT = SARIF_MULTITOOL;
  it.skipIf(!sarifMultitoolRuns).each(Object.entries(RUNS))(
    '%s run: the SARIF Multitool with --rule-kind "Gh;Sarif" reports no error',
    (name, dir) => {
      const report = path.join(tmp, `multitool-${name}.sarif`);
      const r = run(MT, ['validate', out(dir, 'results.sarif'), '--rule-kind', 'Gh;Sarif', '--output', report, '--log', 'ForceOverwrite'], 180_000);
      expect(existsSync(report), `${r.stdout}\n${r.stderr}`).toBe(true);
      const mt = JSON.parse(readFileSync(report, 'utf8')) as Log;
      const errors = mt.runs.flatMap((x) => [
        ...(x.results ?? []).filter((res) => (res.level ?? 'warning') === 'error').map((res) => `${res.ruleId}: ${res.message.text ?? res.message.id}`),
        ...(x.invocations ?? [])
          .flatMap((i) => [...(i.toolExecutionNotifications ?? []), ...(i.toolConfigurationNotifications ?? [])])
          .filter((n) => (n.level ?? 'warning') === 'error')
          .map((n) => `notification ${n.descriptor?.id}: ${n.message.text}`),
      ]);
      expect(errors).toEqual([]);
      expect(mt.runs[0].invocations?.[0]?.executionSuccessful).toBe(true);
    },
    200_000,
  );

  it.each(Object.entries(RUNS))('%s run: every rule explained and ranked, every result fingerprinted', (name, dir) => {
    const problems: string[] = [];
    let results = 0;
    for (const r of sarif(dir).runs) {
      for (const rule of r.tool.driver.rules ?? []) {
        if (!rule.fullDescription?.text?.trim()) problems.push(`${rule.id}: no fullDescription`);
        if (!rule.help?.text?.trim()) problems.push(`${rule.id}: no help`);
        const sev = rule.properties?.['security-severity'];
        if (typeof sev === 'boolean' || sev === undefined || !(Number(sev) >= 0 && Number(sev) <= 10)) problems.push(`${rule.id}: security-severity ${sev}`);
      }
      for (const res of r.results ?? []) {
        results++;
        if (!res.partialFingerprints || !Object.keys(res.partialFingerprints).length) problems.push(`${res.ruleId}: no partialFingerprints`);
      }
    }
    expect(problems).toEqual([]);
    if (name === 'passing') expect(results).toBe(0);
    else {
      // The failing run's finding points where it is fixed: the new file, at the call.
      const res = sarif(dir).runs[0].results!;
      expect(res).toHaveLength(1);
      expect(res[0].locations?.[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'platform/crypto/zz_interop_break.ts' }, region: { startLine: 2 } });
    }
  });
});

describe('3. DSSE: securesystemslib verifies the envelopes', () => {
  const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'; // Debian's, which has securesystemslib
  const SCRIPT = path.join(ROOT, 'test/fixtures/dsse/verify_dsse.py');
  const verify = (envelope: string, pem: string, subject: string) => run(PY, [SCRIPT, envelope, pem, subject], 60_000);

  it('bundle.sig.json: Ed25519 over the DSSE PAE, an in-toto Statement v1 whose subject is bundle.json', () => {
    const r = verify(out(PASS, 'bundle.sig.json'), out(PASS, 'bundle.pub.pem'), out(PASS, 'bundle.json'));
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^1\/1 signature\(s\) verified by securesystemslib/);
  });

  it("the site's trust.sig.json over trust.json, with the published key", () => {
    const r = verify(path.join(SITE, 'trust.sig.json'), path.join(SITE, 'downloads/bundle.pub.pem'), path.join(SITE, 'trust.json'));
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('rejects a changed bundle and a forged signature', () => {
    const changed = path.join(tmp, 'bundle-changed.json');
    writeFileSync(changed, readFileSync(out(PASS, 'bundle.json'), 'utf8').replace(/"live"/, '"LIVE"'));
    const r = verify(out(PASS, 'bundle.sig.json'), out(PASS, 'bundle.pub.pem'), changed);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stdout).toContain('no subject has the SHA-256');
    const env = JSON.parse(readFileSync(out(PASS, 'bundle.sig.json'), 'utf8'));
    const sig = Buffer.from(env.signatures[0].sig, 'base64');
    sig[0] ^= 1;
    env.signatures[0].sig = sig.toString('base64');
    const forged = path.join(tmp, 'bundle.sig-forged.json');
    writeFileSync(forged, JSON.stringify(env));
    const f = verify(forged, out(PASS, 'bundle.pub.pem'), out(PASS, 'bundle.json'));
    expect(f.status, `${f.stdout}${f.stderr}`).toBe(1);
    expect(f.stdout).toContain('verifies over the DSSE PAE');
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const SOURCE_PARENTS = new Set(['import-ap', 'import-ssp', 'import-profile', 'import-component-definitions', 'import', 'source-resource', 'target-resource']);
const MODELS = new Set(['catalog', 'profile', 'mapping-collection', 'component-definition', 'system-security-plan', 'assessment-plan', 'assessment-results', 'plan-of-action-and-milestones']);

/** Every (key, value, parent key) in a JSON tree. */
function* walk(v: Json, parent = ''): Generator<[string, Json, string]> {
  if (Array.isArray(v)) for (const x of v) yield* walk(x, parent);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      yield [k, x, parent];
      yield* walk(x, k);
    }
}
const uuidsIn = (root: Json) => new Set([...walk(root)].filter(([k, v]) => k === 'uuid' && typeof v === 'string').map(([, v]) => v as string));
const resourcesOf = (root: Json): Map<string, Json> => new Map((root['back-matter']?.resources ?? []).map((r: Json) => [r.uuid, r]));
function modelRoot(doc: Json): [string, Json] | undefined {
  const keys = doc && typeof doc === 'object' ? Object.keys(doc).filter((k) => k !== '$schema') : [];
  return keys.length === 1 && MODELS.has(keys[0]) && typeof doc[keys[0]] === 'object' ? [keys[0], doc[keys[0]]] : undefined;
}
/** A relative href (file, optional JSON-pointer fragment), read from `base`; undefined when it cannot be. */
function loadHref(base: string, href: string): Json {
  if (SCHEME.test(href)) return undefined;
  const [file, frag = ''] = href.split('#');
  const p = path.join(base, file);
  if (!existsSync(p) || !statSync(p).isFile()) return undefined;
  let d: Json;
  try {
    d = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
  for (const part of frag.startsWith('/') ? frag.slice(1).split('/') : []) d = d?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return d;
}
/** An import's href: `#uuid` goes through the back-matter resource (its rlinks, then base64). */
function resolveImport(base: string, root: Json, href: string): Json {
  if (!href.startsWith('#')) return loadHref(base, href);
  const r = resourcesOf(root).get(href.slice(1));
  for (const l of r?.rlinks ?? []) {
    const d = loadHref(base, l.href);
    if (d !== undefined) return d;
  }
  if (r?.base64?.value)
    try {
      return JSON.parse(Buffer.from(r.base64.value, 'base64').toString('utf8'));
    } catch {
      /* not JSON */
    }
  return undefined;
}
function importedUuids(base: string, root: Json, depth = 0): Set<string> {
  const set = new Set<string>();
  if (depth > 3) return set;
  for (const [k, v] of walk(root)) {
    if (!k.startsWith('import') || !SOURCE_PARENTS.has(k)) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      const m = typeof item?.href === 'string' ? modelRoot(resolveImport(base, root, item.href)) : undefined;
      if (m) for (const u of [...uuidsIn(m[1]), ...importedUuids(base, m[1], depth + 1)]) set.add(u);
    }
  }
  return set;
}
/**
 * What the JSON Schemas cannot say and a resolving tool follows: every *-uuid(s) and `#uuid`
 * reference resolves (in the document or what it imports), every back-matter resource used
 * as a source or import has an rlink (a relative one that exists) or base64, and import-ap
 * resolves to an OSCAL assessment plan. One line per problem.
 */
function crossReferenceProblems(file: string): string[] {
  const problems: string[] = [];
  const name = path.basename(file);
  const m = modelRoot(JSON.parse(readFileSync(file, 'utf8')));
  if (!m) return [`${name}: not an OSCAL document`];
  const [model, root] = m;
  const base = path.dirname(file);
  const known = new Set([...uuidsIn(root), ...importedUuids(base, root)]);
  const res = resourcesOf(root);
  for (const [k, v, parent] of walk(root)) {
    const refs =
      k.endsWith('-uuid') && typeof v === 'string'
        ? [v]
        : k.endsWith('-uuids') && Array.isArray(v)
          ? v
          : (k === 'href' || k === 'source') && typeof v === 'string' && v.startsWith('#') && UUID.test(v.slice(1))
            ? [v.slice(1)]
            : [];
    for (const u of refs) if (!known.has(u)) problems.push(`${name}: ${k} ${u} does not resolve`);
    const used = typeof v === 'string' && v.startsWith('#') && (k === 'source' || (k === 'href' && SOURCE_PARENTS.has(parent)));
    const r = used ? res.get(v.slice(1)) : undefined;
    if (!r) continue;
    const links: string[] = (r.rlinks ?? []).map((l: Json) => l.href).filter(Boolean);
    if (!links.length && !r.base64?.value) problems.push(`${name}: resource "${r.title}" used as ${k === 'source' ? k : parent} has no rlink or base64`);
    for (const h of links) if (!SCHEME.test(h) && !existsSync(path.join(base, h.split('#')[0]))) problems.push(`${name}: resource "${r.title}" rlink ${h} does not exist`);
  }
  if (model === 'assessment-results') {
    const href = root['import-ap']?.href;
    const ap = typeof href === 'string' ? modelRoot(resolveImport(base, root, href)) : undefined;
    if (ap?.[0] !== 'assessment-plan' || !ap[1].uuid || !ap[1].metadata) problems.push(`${name}: import-ap ${href} does not resolve to an OSCAL assessment plan`);
  }
  return problems;
}

describe('4. OSCAL: NIST 1.2.1 schemas and cross-references', () => {
  const docs = () =>
    readdirSync(out(PASS, 'oscal'))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => path.join(out(PASS, 'oscal'), f));

  it('every document is valid against its OSCAL 1.2.1 schema', () => {
    const names = docs().map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining(['assessment-plan.json', 'assessment-results.json', 'component-definition.json']));
    expect(names.filter((n) => n.startsWith('mapping-')).length).toBeGreaterThan(0);
    for (const f of docs()) {
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      // assessment-plan: NIST's definitions from the official assessment-results schema under the
      // plan's root assembly (test/oscal/validate.ts says why: no package ships its own schema).
      expect({ f: path.basename(f), errors: validateOscal(modelOf(doc), doc) }).toEqual({ f: path.basename(f), errors: [] });
      expect(modelRoot(doc)![1].metadata['oscal-version'], f).toBe('1.2.1');
    }
  });

  it('every reference resolves, every source resource can be fetched, import-ap is the assessment plan', () => {
    expect(docs().flatMap(crossReferenceProblems)).toEqual([]);
  });

  it('the cross-reference check catches a dangling uuid, a bare resource and an import-ap into the bundle', () => {
    const dir = mkdtempSync(path.join(tmp, 'oscal-broken-'));
    for (const f of docs()) copyFileSync(f, path.join(dir, path.basename(f)));
    const arFile = path.join(dir, 'assessment-results.json');
    const ar = JSON.parse(readFileSync(arFile, 'utf8'));
    const root = ar['assessment-results'];
    const res = root['back-matter'].resources.find((r: Json) => r.uuid === root['import-ap'].href.slice(1));
    res.rlinks = [{ href: '../bundle.json#/parts' }];
    root.results[0].findings[0]['related-observations'][0]['observation-uuid'] = '00000000-0000-4000-8000-000000000000';
    writeFileSync(arFile, JSON.stringify(ar));
    const cdFile = path.join(dir, 'component-definition.json');
    const cd = JSON.parse(readFileSync(cdFile, 'utf8'));
    const source = cd['component-definition'].components[0]['control-implementations'][0].source.slice(1);
    const fw = cd['component-definition']['back-matter'].resources.find((r: Json) => r.uuid === source);
    delete fw.rlinks;
    writeFileSync(cdFile, JSON.stringify(cd));
    const problems = [crossReferenceProblems(arFile), crossReferenceProblems(cdFile)].flat().join('\n');
    expect(problems).toContain('observation-uuid 00000000-0000-4000-8000-000000000000 does not resolve');
    expect(problems).toContain('does not resolve to an OSCAL assessment plan');
    expect(problems).toMatch(/component-definition\.json: resource ".*" used as source has no rlink or base64/);
  });
});

describe('5. report.pdf: qpdf, pdfinfo, pdffonts', () => {
  it('passes qpdf --check, is tagged, and embeds every font', () => {
    const pdf = out(PASS, 'report.pdf');
    const q = run('qpdf', ['--check', pdf]);
    expect(q.status, `${q.stdout}${q.stderr}`).toBe(0); // 3 would be warnings
    expect(q.stdout).toContain('No syntax or stream encoding errors');
    expect(run('pdfinfo', [pdf]).stdout).toMatch(/^Tagged:\s+yes$/m);
    const lines = run('pdffonts', [pdf]).stdout.split('\n');
    const dash = lines.findIndex((l) => l.startsWith('---'));
    // Columns by the dashes under the header: name, type, encoding, emb, sub, uni, object ID.
    const cols: [number, number][] = [];
    let at = 0;
    for (const seg of lines[dash].split(' ')) {
      if (seg) cols.push([at, at + seg.length]);
      at += seg.length + 1;
    }
    const head = cols.map(([a, b]) => lines[dash - 1].slice(a, b).trim());
    const [n, e] = [head.indexOf('name'), head.indexOf('emb')];
    const fonts = lines
      .slice(dash + 1)
      .filter((l) => l.trim())
      .map((l) => ({ name: l.slice(...cols[n]).trim(), emb: l.slice(...cols[e]).trim() }));
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.filter((f) => f.emb !== 'yes')).toEqual([]);
  });
});

describe('6. security.txt: RFC 9116', () => {
  it('has Contact URIs, one Expires within a year, https web URIs, one Preferred-Languages', () => {
    const raw = readFileSync(path.join(SITE, '.well-known/security.txt'));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(raw); // throws unless UTF-8
    const problems: string[] = [];
    const fields = new Map<string, string[]>();
    text.split(/\r?\n/).forEach((l, i) => {
      if (!l.trim() || l.startsWith('#')) return;
      const m = /^([!-9;-~]+): (.*?)\s*$/.exec(l); // field-name (RFC 5322), ':', one space
      if (!m) problems.push(`line ${i + 1} is not "Field: value": ${l}`);
      else fields.set(m[1].toLowerCase(), [...(fields.get(m[1].toLowerCase()) ?? []), m[2]]);
    });
    const uri = (v: string) => {
      try {
        return /\s/.test(v) ? undefined : new URL(v);
      } catch {
        return undefined;
      }
    };
    const contacts = fields.get('contact') ?? [];
    if (!contacts.length) problems.push('no Contact');
    for (const k of ['contact', 'acknowledgments', 'canonical', 'encryption', 'hiring', 'policy', 'csaf'])
      for (const v of fields.get(k) ?? []) {
        const u = uri(v);
        if (!u) problems.push(`${k} is not a URI: ${v}`);
        else if (u.protocol === 'http:') problems.push(`${k} web URI is not https: ${v}`);
      }
    const expires = fields.get('expires') ?? [];
    if (expires.length !== 1) problems.push(`${expires.length} Expires fields`);
    else if (!/^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(expires[0])) problems.push(`Expires is not an RFC 3339 date-time: ${expires[0]}`);
    else {
      const left = new Date(expires[0]).getTime() - Date.now();
      if (left <= 0) problems.push(`Expires ${expires[0]} has passed`);
      if (left > 366 * 86_400_000) problems.push(`Expires ${expires[0]} is more than a year ahead`);
    }
    const langs = fields.get('preferred-languages') ?? [];
    if (langs.length > 1) problems.push('Preferred-Languages more than once');
    for (const tag of langs.flatMap((v) => v.split(/\s*,\s*/))) if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) problems.push(`language tag ${tag}`);
    expect(problems).toEqual([]);
    expect([...fields.keys()].sort()).toEqual(expect.arrayContaining(['canonical', 'contact', 'expires', 'policy', 'preferred-languages']));
  });
});

describe('7. llms.txt: llmstxt.org', () => {
  it('is an H1, a summary, then H2 sections of "- [name](url): notes", each page with its twin where the spec puts it', () => {
    const lines = readFileSync(path.join(SITE, 'llms.txt'), 'utf8').split('\n');
    const problems: string[] = [];
    const first = lines.findIndex((l) => l.trim());
    if (!/^# \S/.test(lines[first] ?? '')) problems.push('the first line is not an H1');
    if (lines.filter((l) => l.startsWith('# ')).length !== 1) problems.push('not exactly one H1');
    const links: string[] = [];
    let section: string | undefined;
    lines.slice(first + 1).forEach((l, i) => {
      if (!l.trim()) return;
      if (l.startsWith('## ')) {
        section = l.slice(3);
        return;
      }
      if (/^#{1,6} /.test(l)) {
        problems.push(`line ${first + i + 2}: another heading: ${l}`);
        return;
      }
      if (section === undefined) return; // the blockquote and prose before the first H2
      const m = /^\s*[-*+] \[([^\]]+)\]\(([^)\s]+)\)(:\s.*)?$/.exec(l);
      if (!m) problems.push(`line ${first + i + 2} in "${section}" is not a link item: ${l}`);
      else links.push(m[2]);
    });
    const origin = /^\s*site:\s*['"]([^'"]+)['"]/m.exec(readFileSync(path.join(ROOT, 'site', 'astro-config.ts'), 'utf8'))![1].replace(/\/$/, '');
    const local = (p: string) => path.join(SITE, decodeURIComponent(p));
    const isFile = (p: string) => existsSync(local(p)) && statSync(local(p)).isFile();
    let pages = 0;
    for (const link of links) {
      const u = new URL(link, origin);
      if (u.origin !== origin) continue;
      const p = u.pathname;
      let page: string;
      let twins: string[];
      if (p.endsWith('/')) [page, twins] = [`${p}index.html`, [`${p}index.html.md`]];
      else if (p.endsWith('.html')) [page, twins] = [p, [`${p}.md`]];
      else if (p.endsWith('.md')) {
        const stem = p.slice(0, -3);
        if (stem.endsWith('.html') && isFile(stem)) [page, twins] = [stem, [p]];
        else if (isFile(`${stem}.html`)) [page, twins] = [`${stem}.html`, [`${stem}.html.md`]];
        else {
          if (!isFile(p)) problems.push(`${link}: not in the site`);
          continue;
        }
      } else if (isFile(`${p}/index.html`)) [page, twins] = [`${p}/index.html`, [`${p}.md`, `${p}/index.html.md`]];
      else if (isFile(`${p}.html`)) [page, twins] = [`${p}.html`, [`${p}.md`, `${p}.html.md`]];
      else [page, twins] = [p, []];
      if (!isFile(page)) {
        problems.push(`${link}: ${page} not in the site`);
        continue;
      }
      if (!page.endsWith('.html')) continue; // a download
      pages++;
      if (!twins.some(isFile)) problems.push(`${link}: no twin at ${twins.join(' or ')}`);
    }
    expect(problems).toEqual([]);
    expect(pages).toBeGreaterThan(50);
  });
});

describe('8. HTML: the W3C Nu checker, no inline style', () => {
  const VNU = path.join(ROOT, 'node_modules/vnu-jar/build/dist/vnu.jar');
  const htmlFiles = () => {
    const found: string[] = [];
    const walkDir = (d: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (f.isDirectory()) walkDir(path.join(d, f.name));
        else if (f.name.endsWith('.html')) found.push(path.join(d, f.name));
      }
    };
    walkDir(SITE);
    return found.sort();
  };

  it('every page has no error in vnu (Debian Java running vnu-jar from npm)', () => {
    const pages = htmlFiles();
    expect(pages.length).toBeGreaterThan(50);
    // A page with a known error: the checker must report it, so it did read the files.
    const sentinel = path.join(tmp, 'sentinel.html');
    writeFileSync(sentinel, '<!doctype html><html lang="en"><head></head><body><img src="x"></body></html>\n');
    const r = run('java', ['-jar', VNU, '--errors-only', '--format', 'json', '--stdout', ...pages, sentinel], 300_000);
    const messages: { type: string; url?: string; message: string; lastLine?: number }[] = JSON.parse(r.stdout).messages;
    const errors = messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
    expect(
      errors.some((m) => m.url?.endsWith('/sentinel.html')),
      r.stderr,
    ).toBe(true);
    expect(errors.filter((m) => !m.url?.endsWith('/sentinel.html')).map((m) => `${m.url?.slice(`file:${SITE}`.length)}:${m.lastLine}: ${m.message}`)).toEqual([]);
  }, 320_000);

  it('no page has a style attribute (the CSP allows no inline style)', () => {
    const styled: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const visit = (node: any, file: string) => {
      if (node.attrs?.some((a: { name: string }) => a.name === 'style')) styled.push(`${path.relative(SITE, file)}: <${node.tagName}>`);
      for (const c of node.childNodes ?? []) visit(c, file);
      if (node.content) visit(node.content, file);
    };
    for (const f of htmlFiles()) visit(parseHtml(readFileSync(f, 'utf8')), f);
    expect(styled).toEqual([]);
  });
});
