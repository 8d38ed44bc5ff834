/**
 * The gate as `trust check` and `trust start` run it: catalog, database,
 * collectors, then produceOutputs; and the printing of its outcome (one-line
 * cause first, details after).
 */
import path from 'node:path';
import type { Database } from '../platform/db/index.ts';
import { collectEvidence, loadCatalogFrom, produceOutputs, readBaseline, type RunOutcome } from './pipeline.ts';
import { crashPoint } from './output/atomic-set.ts';
import type { Progress } from './progress.ts';

export interface GateOptions {
  root: string;
  outDir: string;
  baselineFile?: string;
  fullAudit?: boolean;
  release?: boolean;
  progress: Progress;
  /** Runs after the database is open and before collection (start: migrate, demo). */
  prepare?: (db: Database) => Promise<void>;
}

export async function runGate(o: GateOptions): Promise<RunOutcome> {
  const now = new Date();
  // Catalog and baseline first: bad input is reported before any slow work.
  o.progress.start('load catalog');
  const catalog = await loadCatalogFrom(o.root);
  const baseline = readBaseline(o.baselineFile);
  // The report renderer (pdfkit) takes a while to load: let it load while the
  // collectors wait on the database. produceOutputs imports the same module.
  import('./report/pdf.ts').catch(() => {});
  o.progress.start('open database');
  const { openDatabase } = await import('../platform/db/index.ts');
  const db = await openDatabase();
  let parts;
  try {
    // Reported only now, so a failure to connect is the first line a reader sees.
    o.progress.done('catalog', `version ${catalog.version}, ${catalog.controls.length} controls`);
    o.progress.done('database', db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL');
    await o.prepare?.(db);
    parts = await collectEvidence({ root: o.root, catalog, db, now, fullAudit: Boolean(o.fullAudit), progress: o.progress });
  } finally {
    await db.close();
  }
  crashPoint('collected');
  return produceOutputs({ root: o.root, outDir: o.outDir, catalog, parts, now, progress: o.progress, baseline, release: o.release });
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
    lines.push(`${r.failures.length} claim(s) do not hold`);
  } else {
    lines.push(`ok: all ${s.controls} claims hold (${s.claimed.live ?? 0} live, ${s.claimed.designed ?? 0} designed, ${s.claimed.roadmap ?? 0} roadmap)`);
  }
  if (r.results.readyToPromote.length) lines.push(`ready to promote (designed, every check passes): ${r.results.readyToPromote.join(', ')}`);
  lines.push(`catalog ${r.bundle.catalog.version}  bundle sha256 ${r.bundleSha256}${r.bundle.developmentSigningKey ? '  (development signing key)' : ''}`);
  for (const n of r.notes) lines.push(n);
  lines.push(`outputs: ${r.written.map((w) => path.relative(root, w) || w).join(', ')}`);
  return lines.join('\n') + '\n';
}
