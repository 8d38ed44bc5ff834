/**
 * The gate (the real catalog, the real collectors, produceOutputs) exits 1 on the
 * regressions the catalog's break tests introduce: a control that holds on the demo
 * platform becomes a regression, named on the gate's first line for that control.
 * A selection of the database breaks of test/collectors/break-controls.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import { COLLECTORS } from '../../collectors/registry.ts';
import { loadCatalogFrom, produceOutputs } from '../../evidence/pipeline.ts';
import { silentProgress } from '../../evidence/progress.ts';
import type { CollectedPart } from '../../evidence/evaluate.ts';
import type { Catalog } from '../../controls/types.ts';
import { demoDatabase } from '../helpers/demo-database.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BREAKS: { control: string; sql: string }[] = [
  { control: 'audit_events_append_only', sql: 'GRANT UPDATE ON audit_events TO trust_app' },
  { control: 'account_rows_isolated_by_rls', sql: 'ALTER TABLE agents NO FORCE ROW LEVEL SECURITY' },
  { control: 'agent_secrets_encrypted', sql: 'ALTER TABLE agent_secrets DROP CONSTRAINT agent_secrets_ciphertext' },
  { control: 'resource_region_pinned', sql: 'ALTER TABLE vms DISABLE TRIGGER vms_region_fixed' },
  { control: 'collector_role_read_only', sql: 'GRANT INSERT ON regions TO trust_reader' },
  { control: 'payment_card_data_not_stored', sql: 'ALTER TABLE accounts ADD COLUMN card_number text' },
  { control: 'vm_firewall_default_deny', sql: 'ALTER TABLE firewalls DROP CONSTRAINT firewalls_inbound_default_check' },
  { control: 'oauth_state_single_use', sql: 'ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_state_hash_key' },
];

let demo: Awaited<ReturnType<typeof createTestDatabase>>;
let catalog: Catalog;
let fileParts: Record<string, CollectedPart>;
let baselineVerdicts: Record<string, string>;
const dbCollectors = COLLECTORS.filter((c) => c.needsDatabase).map((c) => c.id);
const savedKeyring = process.env.TRUST_KEYRING;

async function gate(db: Parameters<typeof runCollectors>[0], only?: string[]) {
  const now = new Date();
  const { parts } = await runCollectors(db, { root: ROOT, now, catalog, auditVerification: 'full', only });
  return produceOutputs({ root: ROOT, outDir: mkdtempSync(path.join(os.tmpdir(), 'trust-breaks-')), catalog, parts: { ...fileParts, ...parts }, now, progress: silentProgress, oscal: false });
}

beforeAll(async () => {
  process.env.TRUST_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'trust-breaks-data-'));
  demo = await demoDatabase(5);
  catalog = await loadCatalogFrom(ROOT);
  const { parts } = await runCollectors(demo, { root: ROOT, now: new Date(), catalog, auditVerification: 'full', only: COLLECTORS.filter((c) => !c.needsDatabase).map((c) => c.id) });
  fileParts = parts;
  const first = await gate(demo, dbCollectors);
  baselineVerdicts = Object.fromEntries(first.bundle.evaluations.map((e) => [e.control, e.verdict]));
  await demo.close(); // a template database must have no connection
}, 600_000);

afterAll(async () => {
  if (savedKeyring === undefined) delete process.env.TRUST_KEYRING;
  else process.env.TRUST_KEYRING = savedKeyring;
  await demo?.drop();
});

function clone() {
  return createTestDatabase(demo.name);
}

describe('the gate exits 1 on each regression', () => {
  for (const b of BREAKS) {
    it(`${b.control}: ${b.sql}`, async () => {
      expect(baselineVerdicts[b.control], `${b.control} must hold on the demo platform first`).toBe('holds');
      const db = await clone();
      try {
        await withClient(db.adminUrl, (c) => c.query(b.sql));
        const r = await gate(db, dbCollectors);
        expect(r.exitCode).toBe(1);
        const mine = r.failures.find((f) => f.control === b.control);
        // The first line names the control, the kind of proof and the check that failed.
        expect(mine?.message).toMatch(new RegExp(`^regression: ${b.control}: (structure|data|enforcement): .*; check [a-z_]+ failed\\)`));
        expect(r.results.controls.find((x) => x.id === b.control)?.verdict).toBe('regression');
      } finally {
        await db.drop();
      }
    }, 180_000);
  }
});
