/**
 * The run, phase by phase: collect (database and files) -> evaluate (pure) ->
 * render (bundle, signature, mapping, changelog, CI files, reports, OSCAL), all
 * outputs committed as one set. `trust check` and `trust start` both call this.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../controls/types.ts';
import type { CheckDefinition } from '../controls/checks/types.ts';
import type { Database } from '../platform/db/index.ts';
import { InputError } from '../platform/kernel/errors.ts';
import { evaluateCatalog, type CollectedPart } from './evaluate.ts';
import { judgeFreshness } from './freshness.ts';
import { buildBundle, platformInfo, serializeBundle, type RunEnvironment } from './bundle/build.ts';
import { signBundle, serializeEnvelope, type Envelope } from './bundle/dsse.ts';
import { keyFingerprint, loadSigningKey } from './bundle/keys.ts';
import { toolVersion } from './tool-version.ts';
import { sha256Hex } from '../platform/kernel/canonical.ts';
import { buildMapping, type MappingFile } from './mapping/mapping.ts';
import { buildChangelog, readReleases, readMappingFile, releasesDir } from './mapping/releases.ts';
import { compareWithBaseline } from './mapping/baseline.ts';
import { evaluationFailures, type GateFailure } from './ci/gate.ts';
import { renderJunit } from './ci/junit.ts';
import { renderSarif } from './ci/sarif.ts';
import { makeLocator } from './ci/locate.ts';
import { buildResults, type GateResults } from './ci/results.ts';
import { renderMarkdown } from './report/markdown.ts';
import type { ReportInput } from './report/model.ts';
import { OutputSet, crashPoint, writeFileAtomic } from './output/atomic-set.ts';
import type { Progress } from './progress.ts';
import { buildTrustJson, serializeTrustJson, signTrustJson } from './site/trust-json.ts';
import type { Bundle } from './types.ts';
import { plural } from '../platform/kernel/text/plural.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loads the catalog through the catalog engineer's loader (controls/loader.ts). */
export async function loadCatalogFrom(root: string): Promise<Catalog> {
  const mod = await import('../controls/loader.ts');
  try {
    return await mod.loadCatalog(root);
  } catch (e) {
    // Put the first located diagnostic (file:line:col pointer message) on the first line.
    const err = e as InputError;
    if (err instanceof InputError && err.details?.length && !/:\d+/.test(err.message)) {
      throw new InputError(err.details[0], { cause: e, details: [...err.details.slice(1), err.message] });
    }
    throw e;
  }
}

export interface CollectOptions {
  root: string;
  /** May still be loading: only the collectors that read it wait for it. */
  catalog: Catalog | Promise<Catalog>;
  db: Database;
  now: Date;
  fullAudit: boolean;
  progress: Progress;
}

export async function collectEvidence(o: CollectOptions): Promise<Record<string, CollectedPart>> {
  const { runCollectors } = await import('../collectors/run.ts');
  const { parts } = await runCollectors(o.db, {
    root: o.root,
    now: o.now,
    catalog: o.catalog,
    auditVerification: o.fullAudit ? 'full' : 'incremental',
    progress: (id: string, phase: 'start' | 'done', ms?: number) => {
      if (phase === 'start') o.progress.start(`collect ${id}`);
      else o.progress.done(`collect ${id}`, `${Math.round(ms ?? 0)} ms`);
    },
  });
  return parts;
}

export interface ProduceOptions {
  root: string;
  outDir: string;
  catalog: Catalog;
  parts: Record<string, CollectedPart>;
  now: Date;
  /** When the facts were read (default `now`); later than it only for an as-of in the database's future. */
  evidenceAt?: Date;
  progress: Progress;
  baseline?: MappingFile;
  /** Record controls/releases/<version>.json when the gate passes. */
  release?: boolean;
  /** Check registry to evaluate with (defaults to the registry). */
  checks?: CheckDefinition[];
  /** Write the OSCAL documents to <out>/oscal/ (default true). */
  oscal?: boolean;
  /** Where the gate ran (embedded demo server or a named one), for the reports' scope. */
  environment?: RunEnvironment;
  /** Renders report.pdf (default: in this thread); the gate passes its PDF thread's. */
  renderPdf?: (input: ReportInput) => Promise<Buffer>;
}

export interface RunOutcome {
  exitCode: 0 | 1;
  results: GateResults;
  failures: GateFailure[];
  bundle: Bundle;
  bundleSha256: string;
  envelope: Envelope;
  written: string[];
  notes: string[];
}

async function defaultChecks(): Promise<CheckDefinition[]> {
  return (await import('../controls/checks/registry.ts')).CHECKS;
}

export async function produceOutputs(o: ProduceOptions): Promise<RunOutcome> {
  const notes: string[] = [];
  const checks = o.checks ?? (await defaultChecks());
  const byId = new Map(checks.map((c) => [c.id, c]));

  o.progress.start('evaluate');
  const evaluated = evaluateCatalog(o.catalog, o.parts, { findCheck: (id) => byId.get(id), environment: o.environment ? { kind: o.environment.embedded ? 'embedded' : 'external' } : undefined });
  // Freshness is the engine's to judge, here, before anything is signed or rendered.
  const evaluations = judgeFreshness(evaluated.evaluations, o.catalog.controls, { evidenceAt: o.evidenceAt ?? o.now, judgedAt: o.now });
  const { summary } = evaluated;
  o.progress.done('evaluate', `${plural(summary.controls, 'control')}, ${plural(summary.regressions, 'regression')}, ${summary.unsupported} unsupported, ${summary.readyToPromote} ready to promote`);

  const key = loadSigningKey(o.root, (m) => o.progress.warn(m));
  const bundle = buildBundle({ catalog: o.catalog, parts: o.parts, evaluations, summary, platform: platformInfo(o.parts, o.root, o.environment), developmentSigningKey: key.development });
  const bundleBytes = serializeBundle(bundle);
  const bundleSha256 = sha256Hex(bundleBytes);
  const envelope = signBundle(bundleBytes, key, { signedAt: o.now, catalogVersion: bundle.catalog.version });
  crashPoint('signed');

  const mapping = buildMapping(bundle, bundleSha256);
  const failures = [...evaluationFailures(evaluations), ...(o.baseline ? compareWithBaseline(o.baseline, mapping) : [])];

  if (o.release) {
    if (failures.length) notes.push(`not released: the gate failed, ${bundle.catalog.version} was not recorded`);
    else notes.push(recordRelease(o.root, mapping));
  }
  const releases = readReleases(o.root);
  const released = releases.find((r) => r.catalogVersion === mapping.catalogVersion);
  if (released && released.catalogSha256 !== mapping.catalogSha256) {
    notes.push(
      `warning: catalog ${mapping.catalogVersion} was released with other content (controls/releases/${mapping.catalogVersion}.json); bump the version in controls/catalog.yaml before releasing`,
    );
  }
  const changelog = buildChangelog(releases, mapping);
  const results = buildResults(bundle, bundleSha256, failures);

  const set = new OutputSet(o.outDir);
  try {
    o.progress.start('render');
    const reportInput: ReportInput = { bundle, bundleSha256, generatedAt: o.now, changelog, signingKeySha256: keyFingerprint(key.publicKey), toolVersion: toolVersion() };
    // Started first, before the other outputs: on its own thread it renders while this one
    // writes the rest, and it is the longest of them (the gate waits for it).
    const pdf = (o.renderPdf ?? renderPdfHere)(reportInput);
    pdf.catch(() => {}); // awaited below
    set.write('bundle.json', bundleBytes);
    set.write('bundle.sig.json', serializeEnvelope(envelope));
    set.write('bundle.pub.pem', key.publicKeyPem);
    set.write('mapping.json', JSON.stringify(mapping, null, 2) + '\n');
    set.write('changelog.json', JSON.stringify(changelog, null, 2) + '\n');
    // trust.json: every claim for buyers' tools, signed with the bundle's key (evidence/site/trust-json.ts).
    const trust = serializeTrustJson(buildTrustJson({ bundle, bundleSha256, signedAt: o.now, changelog, publicKeySha256: keyFingerprint(key.publicKey) }));
    set.write('trust.json', trust);
    set.write('trust.sig.json', signTrustJson(trust, key, { signedAt: o.now, bundleSha256 }));
    set.write('results.json', JSON.stringify(results, null, 2) + '\n');
    set.write('junit.xml', renderJunit(evaluations, o.catalog.controls));
    const sarif = renderSarif({
      evaluations,
      checks,
      controlFiles: o.catalog.files,
      baselineFailures: failures.filter((f) => f.kind === 'lost_live' || f.kind === 'catalog_not_bumped'),
      toolVersion: bundle.catalog.version,
      locate: makeLocator({ root: o.root, controlFiles: o.catalog.files }),
    });
    set.write('results.sarif', JSON.stringify(sarif, null, 2) + '\n');
    set.write('report.md', renderMarkdown(reportInput));
    crashPoint('rendered-markdown');
    if (o.oscal !== false) await writeOscalInto(set, bundle, envelope, o.progress);
    set.write('report.pdf', await pdf);
    o.progress.done('render', 'bundle, signature, mapping, changelog, junit, sarif, results, report.md, report.pdf');
    // The transparency log outside the database records the run before its outputs are
    // published, so no published bundle is missing from it (evidence/tlog/gate.ts).
    if (o.parts.witness) {
      const { recordRun, receiptFiles } = await import('./tlog/gate.ts');
      const recorded = await recordRun({ root: o.root, parts: o.parts, bundle, bundleSha256, now: o.now, bundleBytes, envelope: serializeEnvelope(envelope) });
      notes.push(...recorded.notes);
      // Only this run's receipt joins the set: the checkpoint its append signed and its bundle
      // leaf's inclusion proof. The log itself names every earlier run's bundle, so it stays in
      // the log directory and the site publishes it from there (evidence/site/log-snapshot.ts).
      for (const f of receiptFiles(recorded.receipt)) set.write(`log/${f.name}`, f.data);
    }
    set.adoptAll();
    crashPoint('before-commit');
    const written = set.commit().map((e) => path.join(o.outDir, e));
    return { exitCode: failures.length ? 1 : 0, results, failures, bundle, bundleSha256, envelope, written, notes: notes.filter(Boolean) };
  } catch (e) {
    set.discard();
    throw e;
  }
}

async function renderPdfHere(input: ReportInput): Promise<Buffer> {
  const { renderPdf } = await import('./report/pdf.ts');
  return renderPdf(input);
}

async function writeOscalInto(set: OutputSet, bundle: Bundle, envelope: Envelope, progress: Progress): Promise<void> {
  const { writeOscal } = await import('./oscal/index.ts');
  progress.start('oscal');
  // out/oscal/: the documents link to ../bundle.json and ../bundle.sig.json.
  await writeOscal(path.join(set.staging, 'oscal'), bundle, envelope);
  progress.done('oscal');
}

/** Writes controls/releases/<version>.json; refuses to rewrite a released version with other content. */
export function recordRelease(root: string, mapping: MappingFile): string {
  const file = path.join(releasesDir(root), `${mapping.catalogVersion}.json`);
  if (existsSync(file)) {
    const existing = readMappingFile(file);
    if (existing.catalogSha256 === mapping.catalogSha256) return `release ${mapping.catalogVersion} already recorded (${path.relative(root, file)})`;
    throw new InputError(
      `${path.relative(root, file)}: catalog ${mapping.catalogVersion} was released with content ${existing.catalogSha256.slice(0, 12)}, the catalog is now ${mapping.catalogSha256.slice(0, 12)}: bump the version in controls/catalog.yaml`,
    );
  }
  writeFileAtomic(file, JSON.stringify(mapping, null, 2) + '\n');
  return `recorded release ${mapping.catalogVersion} in ${path.relative(root, file)}`;
}

export function readBaseline(file: string | undefined): MappingFile | undefined {
  return file ? readMappingFile(file) : undefined;
}
