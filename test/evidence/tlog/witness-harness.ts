/**
 * What the witness tests share: a throwaway data directory (the transparency log and the
 * development signing key live under it), a demo-filled database, and gate runs on it as
 * `trust check` makes them (the collectors, then the outputs, which append to the log).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestDatabase } from '../../helpers/db.ts';
import { demoDatabase } from '../../helpers/demo-database.ts';
import { saveEnv } from '../../helpers/env.ts';
import { runCollectors } from '../../../collectors/run.ts';
import { loadCatalogFrom, produceOutputs } from '../../../evidence/pipeline.ts';
import { silentProgress } from '../../../evidence/progress.ts';
import type { Catalog } from '../../../controls/types.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** Directories are named from `prefix`; call setUp in beforeAll and tearDown last in afterAll. */
export function witnessHarness(prefix: string) {
  const restoreEnv = saveEnv(['TRUST_DATA_DIR', 'TRUST_LOG_DIR', 'TRUST_KEYRING']);
  const tmp: string[] = [];
  let catalog: Catalog;
  const tempDir = (what: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}${what}-`));
    tmp.push(dir);
    return dir;
  };
  return {
    /** The demo database (seed 1), with the log in a fresh data directory. */
    async setUp(): Promise<TestDatabase> {
      process.env.TRUST_DATA_DIR = tempDir('data');
      delete process.env.TRUST_LOG_DIR;
      const db = await demoDatabase(1);
      catalog = await loadCatalogFrom(ROOT);
      return db;
    },
    /** One gate run on `db`, into a fresh output directory. */
    async gate(db: TestDatabase) {
      const now = new Date();
      const { parts } = await runCollectors(db, { root: ROOT, now, catalog, auditVerification: 'full' });
      return produceOutputs({ root: ROOT, outDir: tempDir('out'), catalog, parts, now, progress: silentProgress, oscal: false });
    },
    tearDown(): void {
      restoreEnv();
      for (const d of tmp) rmSync(d, { recursive: true, force: true });
    },
  };
}
