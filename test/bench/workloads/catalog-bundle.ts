/**
 * A synthetic evidence bundle of N controls, valid against BundleSchema, for the
 * report and site benchmarks. Every claim holds (the site's publish gate refuses a
 * bundle with a regression).
 */
import { createHash } from 'node:crypto';
import { BundleSchema, type Bundle } from '../../../evidence/types.ts';
import { CATEGORIES, type Catalog, type Control, type Mapping, type Status } from '../../../controls/types.ts';
import type { Changelog } from '../../../evidence/mapping/releases.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The real catalog (its controls, frameworks and mappings: the site's pages name real
 * controls) grown with synthetic controls to `n`, each mapped to a criterion of the
 * real frameworks. Observed equals claimed for every control.
 */
export function syntheticBundle(n: number, base: Catalog): Bundle {
  const extra = Math.max(0, n - base.controls.length);
  const synthetic: Control[] = Array.from({ length: extra }, (_, i) => {
    const id = `bench_control_${String(i).padStart(4, '0')}_holds`;
    const status: Status = i % 10 < 7 ? 'live' : i % 10 < 9 ? 'designed' : 'roadmap';
    const table = `public.bench_t${String(i % 1000).padStart(4, '0')}`;
    return {
      id,
      title: `Synthetic control ${i}: ${CATEGORIES[i % CATEGORIES.length]} guarantee`,
      statement: `Harbor Cloud keeps synthetic guarantee number ${i} for every customer workload, enforced by the platform itself.`,
      description: `Benchmark control ${i}. The database enforces it on table ${table}; the check reads the collected schema facts and names the table, column or trigger it judged.`,
      category: CATEGORIES[i % CATEGORIES.length],
      status,
      checks: status === 'roadmap' ? [] : [{ check: 'bench_table_has_rls', params: { table } }],
      artifacts: status === 'designed' ? [{ file: 'platform/audit/verify.ts', symbol: 'verifyChain' }] : [],
      ...(status === 'roadmap' ? { target: '2027-H1' } : {}),
    };
  });
  const controls = [...base.controls, ...synthetic].slice(0, Math.max(n, 1)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const kept = new Set(controls.map((c) => c.id));
  const mappings = base.mappings.map((m) => {
    const fw = base.frameworks.find((f) => f.id === m.framework);
    const criteria: Mapping['criteria'] = {};
    for (const [cr, refs] of Object.entries(m.criteria)) criteria[cr] = refs.filter((r) => kept.has(r.control)).map((r) => ({ ...r }));
    const ids = fw?.criteria.map((c) => c.id) ?? Object.keys(criteria);
    synthetic.forEach((c, i) => {
      if (!kept.has(c.id) || !ids.length) return;
      (criteria[ids[i % ids.length]] ??= []).push({ control: c.id, relationship: 'partial' });
    });
    return { ...m, criteria };
  });
  const evaluations = controls.map((c) => {
    const checks = c.checks.map((ch) => {
      const resource = `table:${String(ch.params.table ?? 'public.audit_events')}`;
      const status = c.status === 'live' ? ('pass' as const) : ('fail' as const);
      return {
        check: ch.check,
        params: ch.params,
        status,
        collectors: ['schema'],
        findings: [{ status, reason: `Check ${ch.check} ${status === 'pass' ? 'holds' : 'does not hold yet'} for \`${resource}\`.`, origin: { resource }, observed: `synthetic: ${status}` }],
      };
    });
    return {
      control: c.id,
      claimed: c.status,
      observed: c.status,
      verdict: 'holds' as const,
      checks,
      artifacts: c.artifacts.map((a) => ({ ...a, found: true, line: 1 })),
      findings: [],
    };
  });
  const count = (s: Status) => controls.filter((c) => c.status === s).length;
  const claimed = { live: count('live'), designed: count('designed'), roadmap: count('roadmap') };
  const facts = { controls: controls.length };
  const core = { controls, frameworks: base.frameworks, mappings };
  return BundleSchema.parse({
    format: 'trust-evidence-bundle/1',
    catalog: { version: base.version, sha256: sha(JSON.stringify(core)), organisation: base.organisation, ...core },
    platform: { schemaVersion: 'bench', postgresVersion: '17', gitCommit: '0'.repeat(40) },
    developmentSigningKey: true,
    parts: { schema: { collector: 'schema', version: '1.0.0', sha256: sha(JSON.stringify(facts)), facts } },
    evaluations,
    summary: { controls: controls.length, claimed, observed: claimed, regressions: 0, unsupported: 0, readyToPromote: 0 },
  });
}

/** The real catalog, loaded once per run. */
export function realCatalog(ctx: { root: string; shared<T>(k: string, b: () => Promise<T>): Promise<T> }): Promise<Catalog> {
  return ctx.shared('real-catalog', async () => {
    const { loadCatalog } = await import('../../../controls/loader.ts');
    return loadCatalog(ctx.root);
  });
}

export function syntheticChangelog(bundle: Bundle): Changelog {
  return { versions: [{ version: bundle.catalog.version, catalogSha256: bundle.catalog.sha256, unreleased: false, changes: [] }] };
}

/**
 * Writes bundle.json, bundle.sig.json (DSSE, signed with a throwaway in-memory
 * Ed25519 key marked development) and bundle.pub.pem into `dir`, as `trust check` does.
 */
export async function writeSignedBundle(dir: string, bundle: Bundle): Promise<string> {
  const [{ serializeBundle }, { signBundle, serializeEnvelope }, { keyIdOf }, { generateKeyPairSync }, { writeFileSync }, path] = await Promise.all([
    import('../../../evidence/bundle/build.ts'),
    import('../../../evidence/bundle/dsse.ts'),
    import('../../../evidence/bundle/keys.ts'),
    import('node:crypto'),
    import('node:fs'),
    import('node:path'),
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key = { privateKey, publicKey, publicKeyPem, keyid: keyIdOf(publicKey), development: true, source: 'bench (in memory)' };
  const bytes = serializeBundle(bundle);
  const bundlePath = path.join(dir, 'bundle.json');
  writeFileSync(bundlePath, bytes);
  writeFileSync(path.join(dir, 'bundle.sig.json'), serializeEnvelope(signBundle(bytes, key, { signedAt: new Date('2026-11-01T00:00:00Z'), catalogVersion: bundle.catalog.version })));
  writeFileSync(path.join(dir, 'bundle.pub.pem'), publicKeyPem);
  return bundlePath;
}
