/**
 * What a tool resolving our OSCAL documents follows: the assessment results import a real
 * assessment plan (assessment-plan.json, valid), every back-matter resource used as a
 * source or target has an rlink (and a framework also a citation), every uuid reference
 * resolves, and GDPR criterion ids are spelled as the README says.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAssessmentPlan, oscalContext, writeOscal } from '../../evidence/oscal/index.ts';
import { criterionToken, FRAMEWORK_REFERENCES } from '../../evidence/oscal/common.ts';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../evidence/pipeline.ts';
import { BundleSchema, type Bundle } from '../../evidence/types.ts';
import { validateOscal } from './validate.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const SIGNED_AT = '2026-05-01T10:00:00.000Z';
const BUNDLE_SHA = 'ab'.repeat(32);

let bundle: Bundle;
let dir: string;
let docs: Record<string, Json>;
beforeAll(async () => {
  bundle = BundleSchema.parse(JSON.parse(await readFile(new URL('../fixtures/oscal/bundle.json', import.meta.url), 'utf8')));
  dir = await mkdtemp(join(tmpdir(), 'oscal-refs-'));
  // The documents link to ../bundle.json and ../bundle.sig.json, as in out/.
  await writeFile(join(dir, 'bundle.json'), '{}');
  await writeFile(join(dir, 'bundle.sig.json'), '{}');
  docs = {};
  for (const f of await writeOscal(join(dir, 'oscal'), bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA })) docs[f.slice(dir.length + 7)] = JSON.parse(await readFile(f, 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const root = (doc: Json) => doc[Object.keys(doc).find((k) => k !== '$schema')!];
const resources = (doc: Json): Json[] => root(doc)['back-matter']?.resources ?? [];

describe('assessment plan', () => {
  it('is written, valid, and what import-ap resolves to', () => {
    const plan = docs['assessment-plan.json'];
    expect(validateOscal('assessment-plan', plan)).toEqual([]);
    expect(plan['assessment-plan'].metadata['oscal-version']).toBe('1.2.1');
    const ar = docs['assessment-results.json']['assessment-results'];
    const href = ar['import-ap'].href as string;
    expect(href).toMatch(/^#/);
    const res = ar['back-matter'].resources.find((r: Json) => r.uuid === href.slice(1));
    expect(res.rlinks[0].href).toBe('assessment-plan.json');
    expect(existsSync(join(dir, 'oscal', res.rlinks[0].href))).toBe(true);
    expect(res.props.find((p: Json) => p.name === 'assessment-plan-uuid').value).toBe(plan['assessment-plan'].uuid);
  });

  it('plans one TEST activity per check the catalog uses, all performed by the evidence-run task', () => {
    const plan = buildAssessmentPlan(oscalContext(bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA }))['assessment-plan'] as Json;
    const checks = [...new Set(bundle.catalog.controls.flatMap((c) => c.checks.map((x) => x.check)))];
    const tests = plan['local-definitions'].activities.filter((a: Json) => a.props.some((p: Json) => p.name === 'method' && p.value === 'TEST'));
    expect(tests.map((a: Json) => a.title)).toEqual(checks.map((c) => `Check ${c}`));
    expect(plan.tasks[0]['associated-activities'].map((a: Json) => a['activity-uuid'])).toEqual(plan['local-definitions'].activities.map((a: Json) => a.uuid));
    expect(plan['reviewed-controls']['control-selections'][0]['include-controls'].map((c: Json) => c['control-id'])).toEqual(bundle.catalog.controls.map((c) => c.id));
    // The plan depends on the catalog only: another run (other evidence) gives the same plan
    // apart from the metadata, which names the run's bundle.
    const again = buildAssessmentPlan(oscalContext(bundle, { signedAt: SIGNED_AT, bundleSha256: 'cd'.repeat(32) }))['assessment-plan'] as Json;
    expect({ ...again, metadata: null }).toEqual({ ...plan, metadata: null });
  });

  it('is caught when broken: no import-ssp, an unknown method', () => {
    const plan = structuredClone(docs['assessment-plan.json']);
    delete plan['assessment-plan']['import-ssp'];
    expect(validateOscal('assessment-plan', plan)).toContain("/assessment-plan must have required property 'import-ssp'");
    const extra = structuredClone(docs['assessment-plan.json']);
    extra['assessment-plan'].results = [];
    expect(validateOscal('assessment-plan', extra).join('\n')).toContain('must NOT have additional properties');
  });
});

describe('references a tool can resolve', () => {
  it('gives every resource used as a source, target or import an rlink, and frameworks a citation and their publisher page', () => {
    for (const [name, doc] of Object.entries(docs)) {
      const used = new Set<string>();
      const walk = (v: Json, key = '', parent = ''): void => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, key, parent));
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, key);
        else if (typeof v === 'string' && v.startsWith('#') && (key === 'source' || (key === 'href' && /^(import-|source-resource|target-resource)/.test(parent)))) used.add(v.slice(1));
      };
      walk(root(doc));
      for (const id of used) {
        const r = resources(doc).find((x) => x.uuid === id);
        expect(r, `${name}: #${id}`).toBeDefined();
        expect(r.rlinks?.length ?? 0, `${name}: ${r.title}`).toBeGreaterThan(0);
        for (const l of r.rlinks) if (!/^[a-z]+:/i.test(l.href)) expect(existsSync(join(dir, 'oscal', l.href.split('#')[0])), `${name}: ${l.href}`).toBe(true);
      }
    }
    const cd = docs['component-definition.json'];
    for (const fw of bundle.catalog.frameworks) {
      const r = resources(cd).find((x) => x.props?.some((p: Json) => p.name === 'framework-id' && p.value === fw.id));
      expect(r.rlinks[0].href).toBe(FRAMEWORK_REFERENCES[fw.id].href);
      expect(r.rlinks[0].href).toMatch(/^https:\/\//);
      expect(r.citation.text.length).toBeGreaterThan(20);
    }
  });

  it('resolves every *-uuid reference inside a document or the documents it imports', () => {
    const uuids = (v: Json, out = new Set<string>()): Set<string> => {
      if (Array.isArray(v)) v.forEach((x) => uuids(x, out));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'uuid' && typeof x === 'string') out.add(x);
          else uuids(x, out);
        }
      return out;
    };
    const refs = (v: Json, out: string[] = []): string[] => {
      if (Array.isArray(v)) v.forEach((x) => refs(x, out));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k.endsWith('-uuid') && typeof x === 'string') out.push(x);
          else if (k.endsWith('-uuids') && Array.isArray(x)) out.push(...x);
          else refs(x, out);
        }
      return out;
    };
    const known = (name: string) => {
      const set = uuids(root(docs[name]));
      if (name === 'assessment-results.json') for (const u of uuids(root(docs['assessment-plan.json']))) set.add(u);
      if (name === 'assessment-plan.json') for (const u of uuids(root(docs['component-definition.json']))) set.add(u);
      return set;
    };
    for (const name of Object.keys(docs)) {
      const k = known(name);
      expect(
        refs(root(docs[name])).filter((u) => !k.has(u)),
        name,
      ).toEqual([]);
    }
  });
});

describe('GDPR criterion ids', () => {
  it('are Art.<n> in the catalog, in every document and in the README, which says so', async () => {
    // The framework file itself (not the whole catalog loader): the ids as the catalog publishes them.
    const gdpr = parseYaml(readFileSync(join(REPO_ROOT, 'controls/frameworks/gdpr.yaml'), 'utf8')).framework as { criteria: { id: string }[] };
    expect(gdpr.criteria.length).toBeGreaterThan(0);
    for (const c of gdpr.criteria) {
      expect(c.id).toMatch(/^Art\.\d+$/);
      expect(criterionToken('gdpr', c.id)).toBe(c.id);
      expect(criterionToken('gdpr', c.id.slice(4))).toBe(c.id); // a bare article number gets the same token
    }
    const mapping = JSON.stringify(docs['mapping-gdpr.json']);
    expect(mapping).toMatch(/"Art\.\d+"/);
    expect(mapping).not.toMatch(/"art\.\d+"/);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/GDPR articles as `Art\.32`/);
    expect(readme).not.toMatch(/`art\.\d+`/);
  });
});
