/**
 * The gate as `trust check` and `trust start` run it: catalog, database,
 * collectors, then produceOutputs; and the printing of its outcome (one-line
 * cause first, details after).
 */
import path from 'node:path';
import type { Database } from '../platform/db/index.ts';
import { collectEvidence, loadCatalogFrom, produceOutputs, readBaseline, type RunOutcome } from './pipeline.ts';
import { crashPoint } from './output/atomic-set.ts';
import { heldProgress, type Progress } from './progress.ts';
import type { Catalog } from '../controls/types.ts';
import type { MappingFile } from './mapping/mapping.ts';
import type { ReportInput } from './report/model.ts';
import type { RunEnvironment } from './bundle/build.ts';
import { resolveClock } from './as-of.ts';
import { startPdfThread } from './report/pdf-thread.ts';
import { plural } from '../platform/kernel/text/plural.ts';

export interface GateOptions {
  root: string;
  outDir: string;
  baselineFile?: string;
  fullAudit?: boolean;
  release?: boolean;
  progress: Progress;
  /** The instant every age is measured from (--as-of); default: the database's clock, read before collecting. */
  asOf?: Date;
  /** Runs after the database is open and before collection (start: migrate, demo). */
  prepare?: (db: Database) => Promise<void>;
}

export async function runGate(o: GateOptions): Promise<RunOutcome> {
  o.progress.start('load catalog');
  const catalogLoading = loadCatalogFrom(o.root);
  catalogLoading.catch(() => {}); // awaited below; reported before any other failure
  const baseline = readBaseline(o.baselineFile);
  // Slow preparation (start: migrate, demo) waits for good input. Without it, the
  // database collectors already run while the catalog loads: they do not read it.
  if (o.prepare) await catalogLoading;
  // The report renderer (pdfkit) takes a while to load: its thread loads it while the
  // collectors wait on the database, and renders while this thread writes the rest.
  const pdfThread = startPdfThread();
  try {
    return await collectAndProduce(o, catalogLoading, baseline, pdfThread.render);
  } finally {
    await pdfThread.stop();
  }
}

async function collectAndProduce(o: GateOptions, catalogLoading: Promise<Catalog>, baseline: MappingFile | undefined, renderPdf: (input: ReportInput) => Promise<Buffer>): Promise<RunOutcome> {
  // Lines of steps running meanwhile wait until the catalog has loaded and the database
  // is open: when either fails, its cause is the first line a reader sees.
  const progress = heldProgress(o.progress);
  let environment: RunEnvironment | undefined;
  let now!: Date;
  let observedAt!: Date;
  let opened!: () => void;
  const databaseOpen = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const collecting = (async () => {
    // The gate only observes: without a preparation step (start's migrate and demo) it opens
    // the database with role credentials alone, never bootstrapping or healing a role.
    const { openDatabase, openGateDatabase } = await import('../platform/db/index.ts');
    const db = o.prepare ? await openDatabase() : await openGateDatabase();
    try {
      opened();
      progress.done('database', db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL');
      // The embedded server takes a free port at each start: naming it would make two runs on
      // an unchanged platform differ, so only its host is recorded.
      environment = { embedded: db.embedded, server: serverOf(db.url('reader'), !db.embedded) };
      await o.prepare?.(db);
      // One clock for every age, read after preparation (see evidence/as-of.ts).
      // An as-of later than the database clock judges facts read now at that later instant.
      ({ asOf: now, observedAt } = await resolveClock(db.pool('reader'), o.asOf));
      return await collectEvidence({ root: o.root, catalog: catalogLoading, db, now: observedAt, fullAudit: Boolean(o.fullAudit), progress });
    } finally {
      await db.close();
    }
  })();
  collecting.catch(() => {}); // awaited below, once the catalog has loaded
  let catalog;
  try {
    // Bad input is the first line a reader sees, even when the database fails too.
    catalog = await catalogLoading;
  } catch (e) {
    await collecting.catch(() => {});
    throw e;
  }
  progress.done('catalog', `version ${catalog.version}, ${catalog.controls.length} controls`);
  await Promise.race([databaseOpen, collecting]);
  progress.release();
  const parts = await collecting;
  crashPoint('collected');
  return produceOutputs({ root: o.root, outDir: o.outDir, catalog, parts, now, evidenceAt: observedAt, progress: o.progress, baseline, release: o.release, renderPdf, environment });
}

/** host[:port] of a connection URL, without credentials. */
function serverOf(url: string, withPort: boolean): string {
  const u = new URL(url);
  return withPort ? `${u.hostname}:${u.port || '5432'}` : u.hostname;
}

/** Human-readable outcome: the first line is the one-line cause when the gate fails. */
export function outcomeText(r: RunOutcome, root: string): string {
  const lines: string[] = [];
  const s = r.results.summary;
  if (r.failures.length) {
    // One line with the cause first (what CI logs show), then every failure with its details.
    const more = r.failures.length > 1 ? ` (and ${r.failures.length - 1} more below)` : '';
    lines.push(`FAILED: ${r.failures[0].message}${more}`);
    for (const f of r.failures) {
      lines.push(`  ${f.message}`);
      for (const d of f.details) lines.push(`      ${d}`);
    }
    lines.push(`${plural(r.failures.length, 'claim does', 'claims do')} not hold`);
  } else {
    lines.push(`ok: all ${s.controls} claims hold (${s.claimed.live ?? 0} live, ${s.claimed.designed ?? 0} designed, ${s.claimed.roadmap ?? 0} roadmap)`);
  }
  if (r.results.readyToPromote.length) lines.push(`ready to promote (designed, every check passes): ${r.results.readyToPromote.join(', ')}`);
  lines.push(`catalog ${r.bundle.catalog.version}  bundle sha256 ${r.bundleSha256}${r.bundle.developmentSigningKey ? '  (development signing key)' : ''}`);
  for (const n of r.notes) lines.push(n);
  lines.push(`outputs: ${r.written.map((w) => path.relative(root, w) || w).join(', ')}`);
  return lines.join('\n') + '\n';
}
