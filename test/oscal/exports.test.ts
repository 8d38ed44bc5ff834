/**
 * The OSCAL exports of the fixture bundle: every document validates against NIST's
 * official 1.2.1 schemas, a broken document is caught, the assessment results read
 * back to every control, status and hash, and two runs give the same documents.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../platform/kernel/errors.ts';
import { criterionState } from '../../evidence/oscal/component-definition.ts';
import { criterionToken } from '../../evidence/oscal/common.ts';
import { buildAssessmentResults, buildComponentDefinition, buildMappings, oscalContext, writeOscal } from '../../evidence/oscal/index.ts';
import { BundleSchema, type Bundle } from '../../evidence/types.ts';
import { modelOf, validateOscal } from './validate.ts';

const SIGNED_AT = '2026-05-01T10:00:00.000Z';
const BUNDLE_SHA = 'ab'.repeat(32);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let bundle: Bundle;
let dir: string;
beforeAll(async () => {
  bundle = BundleSchema.parse(JSON.parse(await readFile(new URL('../fixtures/oscal/bundle.json', import.meta.url), 'utf8')));
  dir = await mkdtemp(join(tmpdir(), 'oscal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ctx = (b: Bundle = bundle, signedAt = SIGNED_AT, sha = BUNDLE_SHA) => oscalContext(b, { signedAt, bundleSha256: sha });
const clone = (b: Bundle): Bundle => JSON.parse(JSON.stringify(b));

async function writeAndReturnDir(name: string, envelope: Parameters<typeof writeOscal>[2]): Promise<string> {
  const out = join(dir, name);
  await writeOscal(out, bundle, envelope);
  return out;
}

async function readDocs(outDir: string): Promise<Record<string, Json>> {
  const docs: Record<string, Json> = {};
  for (const name of (await readdir(outDir)).sort()) docs[name] = JSON.parse(await readFile(join(outDir, name), 'utf8'));
  return docs;
}

describe('writeOscal', () => {
  it('writes assessment results, a component definition and one mapping per framework, all valid OSCAL 1.2.1', async () => {
    const out = join(dir, 'valid');
    const files = await writeOscal(out, bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    expect(files.map((f) => f.slice(out.length + 1))).toEqual([
      'assessment-plan.json',
      'assessment-results.json',
      'component-definition.json',
      'mapping-gdpr.json',
      'mapping-iso27001.json',
      'mapping-soc2.json',
    ]);
    const docs = await readDocs(out);
    expect(Object.keys(docs)).toHaveLength(6); // no temporary file left behind
    for (const [name, doc] of Object.entries(docs)) {
      expect({ name, errors: validateOscal(modelOf(doc), doc) }).toEqual({ name, errors: [] });
      expect(JSON.stringify(doc)).toContain('"oscal-version":"1.2.1"');
    }
  });

  it('catches a broken document: the validator is not a rubber stamp', () => {
    const valid = buildAssessmentResults(ctx()) as Json;
    expect(validateOscal('assessment-results', valid)).toEqual([]);

    const noImport = structuredClone(valid);
    delete noImport['assessment-results']['import-ap'];
    expect(validateOscal('assessment-results', noImport)).toContain("/assessment-results must have required property 'import-ap'");

    const badState = structuredClone(valid);
    badState['assessment-results'].results[0].findings[0].target.status.state = 'passed';
    expect(validateOscal('assessment-results', badState).join('\n')).toContain('/assessment-results/results/0/findings/0/target/status/state must be equal to one of the allowed values');

    const badUuid = structuredClone(valid);
    badUuid['assessment-results'].results[0].observations[0].uuid = 'not-a-uuid';
    expect(validateOscal('assessment-results', badUuid).join('\n')).toContain('/assessment-results/results/0/observations/0/uuid must match pattern');

    const cd = buildComponentDefinition(ctx()) as Json;
    cd['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'][0]['control-id'] = '5.15';
    expect(validateOscal('component-definition', cd).join('\n')).toContain('control-id must match pattern');

    const mapping = buildMappings(ctx()).soc2 as Json;
    delete mapping['mapping-collection'].provenance;
    expect(validateOscal('mapping-collection', mapping)).toContain("/mapping-collection must have required property 'provenance'");
  });

  it('builds everything before writing: a bad bundle leaves the previous exports untouched', async () => {
    const out = join(dir, 'atomic');
    await writeOscal(out, bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    const before = await readDocs(out);
    const broken = clone(bundle);
    broken.evaluations = broken.evaluations.filter((e) => e.control !== 'audit_events_append_only');
    await expect(writeOscal(out, broken, { signedAt: '2026-06-01T00:00:00Z', bundleSha256: 'cd'.repeat(32) })).rejects.toThrow(
      new InputError('bundle.json /evaluations: no evaluation for control "audit_events_append_only" of the catalog'),
    );
    expect(await readDocs(out)).toEqual(before);
  });

  it('rejects envelope facts that are not a SHA-256 or a zoned time', () => {
    expect(() => oscalContext(bundle, { signedAt: SIGNED_AT, bundleSha256: 'ABC' })).toThrow(InputError);
    expect(() => oscalContext(bundle, { signedAt: '2026-05-01 10:00', bundleSha256: BUNDLE_SHA })).toThrow(/predicate.signedAt/);
  });

  it("takes the signing time and bundle hash from the engine's own DSSE envelope, as the pipeline passes it", async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { signBundle } = await import('../../evidence/bundle/dsse.ts');
    const { serializeBundle } = await import('../../evidence/bundle/build.ts');
    const { sha256Hex } = await import('../../platform/kernel/canonical.ts');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const bytes = serializeBundle(bundle);
    const key = { privateKey, publicKey, publicKeyPem: '', keyid: 'test', development: true, source: 'test' };
    const envelope = signBundle(bytes, key, { signedAt: new Date(SIGNED_AT), catalogVersion: bundle.catalog.version });
    const fromEnvelope = await readDocs(await writeAndReturnDir('from-envelope', envelope));
    const fromFacts = await readDocs(await writeAndReturnDir('from-facts', { signedAt: SIGNED_AT, bundleSha256: sha256Hex(bytes) }));
    expect(fromEnvelope).toEqual(fromFacts);
    expect(JSON.stringify(fromEnvelope['assessment-results.json'])).toContain(sha256Hex(bytes));
  });

  it('removes the mapping of a framework the catalog no longer maps', async () => {
    const out = join(dir, 'stale');
    await writeOscal(out, bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    const fewer = clone(bundle);
    fewer.catalog.mappings = fewer.catalog.mappings.filter((m) => m.framework !== 'gdpr');
    await writeOscal(out, fewer, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    expect((await readdir(out)).sort()).toEqual(['assessment-plan.json', 'assessment-results.json', 'component-definition.json', 'mapping-iso27001.json', 'mapping-soc2.json']);
  });
});

describe('round trip of the assessment results', () => {
  it('finds every control, its finding status and the bundle hashes it came from', async () => {
    const out = join(dir, 'roundtrip');
    await writeOscal(out, bundle, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    const ar = JSON.parse(await readFile(join(out, 'assessment-results.json'), 'utf8'))['assessment-results'];
    const prop = (props: Json[], name: string) => props.find((p: Json) => p.name === name)?.value;

    expect(prop(ar.metadata.props, 'bundle-sha256')).toBe(BUNDLE_SHA);
    expect(prop(ar.metadata.props, 'catalog-sha256')).toBe(bundle.catalog.sha256);
    expect(ar.metadata.version).toBe(bundle.catalog.version);
    expect(ar.metadata.parties[0].name).toBe('Harbor Cloud');
    const bundleResource = ar['back-matter'].resources.find((r: Json) => r.rlinks?.[0]?.hashes);
    expect(bundleResource.rlinks[0]).toMatchObject({ href: '../bundle.json', hashes: [{ algorithm: 'SHA-256', value: BUNDLE_SHA }] });

    const [result] = ar.results;
    const reviewed = result['reviewed-controls']['control-selections'][0]['include-controls'].map((c: Json) => c['control-id']);
    expect(reviewed).toEqual(bundle.catalog.controls.map((c) => c.id));

    const observations = new Map<string, Json>(result.observations.map((o: Json) => [o.uuid, o]));
    for (const evaluation of bundle.evaluations) {
      const finding = result.findings.find((f: Json) => f.target['target-id'] === evaluation.control);
      expect(finding, evaluation.control).toBeDefined();
      expect(finding.target.status.state).toBe(evaluation.observed === 'live' ? 'satisfied' : 'not-satisfied');
      expect(prop(finding.props, 'claimed-status')).toBe(evaluation.claimed);
      expect(prop(finding.props, 'verdict')).toBe(evaluation.verdict);

      // Each check became one TEST observation, linked to the parts it read, with their hashes.
      const related = (finding['related-observations'] ?? []).map((r: Json) => observations.get(r['observation-uuid']));
      const tests = related.filter((o: Json) => o.methods.includes('TEST'));
      expect(tests.map((o: Json) => prop(o.props, 'check-status'))).toEqual(evaluation.checks.map((c) => c.status));
      evaluation.checks.forEach((check, i) => {
        const evidence = tests[i]['relevant-evidence'] ?? [];
        expect(evidence.map((e: Json) => prop(e.props, 'collector'))).toEqual(check.collectors);
        for (const e of evidence) {
          const part = bundle.parts[prop(e.props, 'collector')];
          if (part) {
            expect(prop(e.props, 'part-sha256')).toBe(part.sha256);
            expect(e.href).toBe(`../bundle.json#/parts/${part.collector}`);
          } else {
            expect(e.href).toBeUndefined(); // a missing part is said plainly, never linked
          }
        }
        expect(tests[i].collected).toBe(SIGNED_AT);
      });
      expect(related.some((o: Json) => o.methods.includes('EXAMINE'))).toBe(evaluation.artifacts.length > 0);
    }
    expect(result.findings).toHaveLength(bundle.catalog.controls.length);
  });

  it('reports a regression as not satisfied with the failing check, and an unproven design as not satisfied for lack of tests', () => {
    const result = (buildAssessmentResults(ctx()) as Json)['assessment-results'].results[0];
    const byControl = (id: string) => result.findings.find((f: Json) => f.target['target-id'] === id).target;
    expect(byControl('oauth_tokens_encrypted').status).toEqual({ state: 'not-satisfied', reason: 'fail' });
    expect(byControl('oauth_tokens_encrypted').remarks).toContain('column:public.oauth_tokens.refresh_token');
    expect(byControl('audit_events_append_only').status).toEqual({ state: 'satisfied', reason: 'pass' });
    expect(byControl('rls_forced_on_account_tables').status).toEqual({ state: 'satisfied', reason: 'pass' });
    expect(byControl('sessions_csrf_protected').status).toEqual({ state: 'not-satisfied', reason: 'other' });
    expect(byControl('customer_managed_keys').status).toEqual({ state: 'not-satisfied', reason: 'other' });
  });
});

describe('determinism', () => {
  const timestamps = /"(published|last-modified|collected|start|end)": "[^"]+"/g;
  const run = async (name: string, signedAt: string) => {
    const out = join(dir, name);
    await writeOscal(out, bundle, { signedAt, bundleSha256: BUNDLE_SHA });
    const texts: Record<string, string> = {};
    for (const f of (await readdir(out)).sort()) texts[f] = await readFile(join(out, f), 'utf8');
    return texts;
  };

  it('gives byte-identical documents for the same state and time, and identical apart from timestamps at another time', async () => {
    const a = await run('det-a', SIGNED_AT);
    const b = await run('det-b', SIGNED_AT);
    expect(b).toEqual(a);
    const later = await run('det-c', '2026-07-15T08:30:00.000Z');
    for (const name of Object.keys(a)) {
      expect(later[name]).not.toEqual(a[name]); // the time is really in there...
      expect(later[name].replace(timestamps, '"$1": "T"')).toEqual(a[name].replace(timestamps, '"$1": "T"')); // ...and nothing else differs
    }
  });

  it('derives UUIDs from the state: unique within a document, new when the evidence changes', () => {
    const uuids = (doc: unknown) => [...JSON.stringify(doc).matchAll(/"uuid":"([^"]+)"/g)].map((m) => m[1]);
    const ar = buildAssessmentResults(ctx());
    const cd = buildComponentDefinition(ctx());
    for (const doc of [ar, cd, ...Object.values(buildMappings(ctx()))]) {
      const all = uuids(doc);
      // The party, the bundle resources and the platform component are the same subject wherever they appear.
      const shared = new Set(all.filter((u, i) => all.indexOf(u) !== i));
      expect(shared.size).toBeLessThanOrEqual(2);
    }
    const other = buildAssessmentResults(ctx(bundle, SIGNED_AT, 'cd'.repeat(32))) as Json;
    expect(other['assessment-results'].uuid).not.toBe((ar as Json)['assessment-results'].uuid);
    // The organisation is the same subject in every run, so its party keeps its UUID.
    expect(other['assessment-results'].metadata.parties[0].uuid).toBe((ar as Json)['assessment-results'].metadata.parties[0].uuid);
  });
});

describe('component definition', () => {
  it('describes the platform per framework criterion with observed and claimed statuses', () => {
    const cd = (buildComponentDefinition(ctx()) as Json)['component-definition'];
    const [platform] = cd.components;
    expect(platform.type).toBe('service');
    const impls = platform['control-implementations'];
    const frameworkOf = (ci: Json) => ci.props?.find((p: Json) => p.name === 'framework-id')?.value;
    expect(impls.map(frameworkOf)).toEqual(['gdpr', 'iso27001', 'soc2', undefined]);
    for (const ci of impls) expect(cd['back-matter'].resources.map((r: Json) => `#${r.uuid}`)).toContain(ci.source);

    const iso = impls[1]['implemented-requirements'];
    const a515 = iso.find((r: Json) => r['control-id'] === 'A.5.15');
    expect(a515.props).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'criterion-id', value: '5.15' }),
        expect.objectContaining({ name: 'implementation-status', value: 'partial' }),
        expect.objectContaining({ name: 'control-id', value: 'rls_forced_on_account_tables', group: 'rls_forced_on_account_tables' }),
        expect.objectContaining({ name: 'observed-status', value: 'live', group: 'rls_forced_on_account_tables' }),
        expect.objectContaining({ name: 'claimed-status', value: 'designed', group: 'sessions_csrf_protected' }),
      ]),
    );
    const soc2 = impls[2]['implemented-requirements'];
    expect(soc2.map((r: Json) => r['control-id'])).toEqual(['CC6.1', 'CC6.6', 'CC6.7', 'CC7.2']);
    const status = (r: Json) => r.props.find((p: Json) => p.name === 'implementation-status').value;
    expect(status(soc2[3])).toBe('implemented'); // audit events: live and equivalent
    expect(status(soc2[2])).toBe('planned'); // tokens: claimed live but regressed, so not implemented

    const own = impls[3]['implemented-requirements'];
    expect(own.map((r: Json) => r['control-id'])).toEqual(bundle.catalog.controls.map((c) => c.id));
  });

  it('calls a criterion implemented only when all its controls are live and one is equivalent', () => {
    expect(
      criterionState([
        { observed: 'live', relationship: 'equivalent' },
        { observed: 'live', relationship: 'partial' },
      ]),
    ).toBe('implemented');
    expect(criterionState([{ observed: 'live', relationship: 'subset' }])).toBe('partial');
    expect(
      criterionState([
        { observed: 'live', relationship: 'equivalent' },
        { observed: 'designed', relationship: 'partial' },
      ]),
    ).toBe('partial');
    expect(
      criterionState([
        { observed: 'designed', relationship: 'equivalent' },
        { observed: 'roadmap', relationship: 'subset' },
      ]),
    ).toBe('planned');
  });

  it('turns criterion ids into OSCAL tokens only when they are not tokens already', () => {
    expect(criterionToken('soc2', 'CC6.1')).toBe('CC6.1');
    expect(criterionToken('iso27001', '8.24')).toBe('A.8.24');
    expect(criterionToken('iso27001', 'A.8.24')).toBe('A.8.24');
    expect(criterionToken('gdpr', '32')).toBe('Art.32');
    expect(criterionToken('gdpr', 'Art.32')).toBe('Art.32');
    expect(criterionToken('nis2', '21 (2)')).toBe('nis2_21__2_');
  });
});

describe('mappings', () => {
  it('expresses each (control, criterion) pair with OSCAL relationships, and the gaps on both sides', () => {
    const soc2 = (buildMappings(ctx()).soc2 as Json)['mapping-collection'];
    const [m] = soc2.mappings;
    const pairs = m.maps.map((x: Json) => `${x.sources[0]['id-ref']} ${x.relationship} ${x.targets[0]['id-ref']}`);
    expect(pairs).toEqual([
      'rls_forced_on_account_tables intersects-with CC6.1',
      'agent_region_pinned intersects-with CC6.1',
      'egress_allow_list intersects-with CC6.6',
      'oauth_tokens_encrypted subset-of CC6.7',
      'audit_events_append_only equivalent-to CC7.2',
    ]);
    expect(soc2.provenance.status).toBe('not-complete'); // A1.2 has no control
    expect(m['target-gap-summary']['unmapped-controls'][0]['with-ids']).toEqual(['A1.2']);
    expect(m['source-gap-summary']['unmapped-controls'][0]['with-ids']).toEqual(['customer_managed_keys', 'sessions_csrf_protected', 'soc2_type2_report']);
    expect(m.coverage['target-coverage']).toBe(0.8);

    const iso = (buildMappings(ctx()).iso27001 as Json)['mapping-collection'];
    expect(iso.provenance.status).toBe('complete');
    const target = iso.mappings[0].maps[0].targets[0];
    expect(target).toMatchObject({ 'id-ref': 'A.5.15', props: [expect.objectContaining({ name: 'criterion-id', value: '5.15' })] });

    const gdpr = (buildMappings(ctx()).gdpr as Json)['mapping-collection'];
    expect(gdpr.mappings[0]['target-gap-summary']['unmapped-controls'][0]['with-ids']).toEqual(['Art.33']);
  });

  it('publishes no mapping for a framework with no mapped control (OSCAL needs at least one map)', async () => {
    const empty = clone(bundle);
    const gdpr = empty.catalog.mappings.find((m) => m.framework === 'gdpr')!;
    for (const k of Object.keys(gdpr.criteria)) gdpr.criteria[k] = [];
    expect(Object.keys(buildMappings(ctx(empty)))).toEqual(['iso27001', 'soc2']);
    const out = join(dir, 'empty-mapping');
    await writeOscal(out, empty, { signedAt: SIGNED_AT, bundleSha256: BUNDLE_SHA });
    const cd = JSON.parse(await readFile(join(out, 'component-definition.json'), 'utf8'));
    expect(validateOscal('component-definition', cd)).toEqual([]);
  });
});

describe('with the real catalog organisation', () => {
  it('validates when contacts are written as mailto: URIs (as controls/catalog.yaml does for disclosure)', async () => {
    const { loadCatalog } = await import('../../controls/loader.ts');
    const catalog = await loadCatalog(join(import.meta.dirname, '../..'));
    const b = clone(bundle);
    b.catalog.organisation = JSON.parse(JSON.stringify(catalog.organisation));
    b.catalog.organisation.disclosure.contact = 'mailto:' + b.catalog.organisation.contact.replace(/^mailto:/, '');
    const docs = { ...buildMappings(ctx(b)), 'assessment-results': buildAssessmentResults(ctx(b)), 'component-definition': buildComponentDefinition(ctx(b)) };
    for (const [name, doc] of Object.entries(docs)) {
      expect({ name, errors: validateOscal(modelOf(doc as Json), doc) }).toEqual({ name, errors: [] });
    }
    const party = (docs['assessment-results'] as Json)['assessment-results'].metadata.parties[0];
    expect(party['email-addresses']).toEqual([b.catalog.organisation.contact.replace(/^mailto:/, '')]);
  });
});
