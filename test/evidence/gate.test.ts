/**
 * The gate end to end on a real PostgreSQL: real schema collector, the fixture
 * catalog with a check over the schema facts, real outputs; and the CLI's exit 2
 * paths (unreachable database, malformed control file).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, appendFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createTestDatabase } from '../helpers/db.ts';
import { runCollectors } from '../../collectors/run.ts';
import schemaCollector from '../../collectors/schema.ts';
import { defineCheck } from '../../controls/checks/types.ts';
import { produceOutputs, loadCatalogFrom } from '../../evidence/pipeline.ts';
import { silentProgress } from '../../evidence/progress.ts';
import { outcomeText, runGate } from '../../evidence/gate-run.ts';
import { InputError } from '../../platform/kernel/errors.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts } from '../fixtures/evidence/fixture.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'evidence', 'cli', 'bin.mjs');

// A check over the real schema collector's facts: the named trigger exists and is enabled.
const triggerEnabled = defineCheck({
  id: 'fixture_schema_trigger_enabled',
  kind: 'structure',
  description: 'A named trigger exists on a table and is enabled.',
  collectors: ['schema'],
  params: z.object({ table: z.string(), trigger: z.string() }).strict(),
  evaluate(facts, p) {
    const tables = (facts.schema as { tables: { schema: string; name: string; triggers: { name: string; enabled: string }[] }[] }).tables;
    const t = tables.find((x) => `${x.schema}.${x.name}` === p.table);
    const trg = t?.triggers.find((x) => x.name === p.trigger);
    const resource = `trigger:${p.table}.${p.trigger}`;
    if (!trg) return [{ status: 'fail', reason: `Trigger \`${p.trigger}\` is missing on \`${p.table}\`.`, origin: { resource } }];
    return [
      {
        status: trg.enabled === 'D' ? 'fail' : 'pass',
        reason: `Trigger \`${p.trigger}\` on \`${p.table}\` is ${trg.enabled === 'D' ? 'disabled' : 'enabled'}.`,
        origin: { resource },
        observed: `enabled: ${trg.enabled}`,
      },
    ];
  },
});

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

function catalog() {
  const controls = fixtureControls().map((c) =>
    c.id === 'audit_events_append_only' ? { ...c, checks: [{ check: 'fixture_schema_trigger_enabled', params: { table: 'public.audit_events', trigger: 'audit_events_no_update' } }] } : c,
  );
  return fixtureCatalog(controls);
}

async function gate(outDir: string) {
  const cat = catalog();
  const { parts } = await runCollectors(db, { root: ROOT, now: new Date('2026-11-21T12:00:00Z'), catalog: cat, auditVerification: 'incremental', collectors: [schemaCollector] });
  const fixture = fixtureParts();
  const all = { ...parts, design: fixture.design, fixture: fixture.fixture };
  return produceOutputs({
    root: mkdtempSync(path.join(os.tmpdir(), 'trust-gate-root-')),
    outDir,
    catalog: cat,
    parts: all,
    now: new Date('2026-11-21T12:00:00Z'),
    progress: silentProgress,
    checks: [...fixtureChecks, triggerEnabled],
    oscal: false,
  });
}

describe('the gate on a real database', () => {
  it('holds on the migrated platform, then exits 1 naming the control, check, observed fact and origin when a trigger is disabled', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'trust-gate-'));
    const ok = await gate(out);
    expect(ok.failures).toEqual([]);
    expect(ok.exitCode).toBe(0);
    expect(ok.bundle.platform.schemaVersion).toMatch(/^\d{4}_/);
    expect(ok.bundle.platform.postgresVersion).toMatch(/^1[5-9]/);

    await db.pool('owner').query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
    try {
      const bad = await gate(out);
      expect(bad.exitCode).toBe(1);
      expect(outcomeText(bad, ROOT).split('\n')[0]).toBe(
        'FAILED: regression: audit_events_append_only: structure: Trigger `audit_events_no_update` on `public.audit_events` is disabled. [observed: enabled: D] (trigger:public.audit_events.audit_events_no_update; check fixture_schema_trigger_enabled failed)',
      );
      const junit = readFileSync(path.join(out, 'junit.xml'), 'utf8');
      expect(junit.match(/<testcase /g)).toHaveLength(5);
      expect(junit).toContain('<failure type="regression" message="regression: structure: Trigger `audit_events_no_update` on `public.audit_events` is disabled.');
      // The Jenkins xUnit plugin validates reports with junit-10.xsd (test/fixtures/junit/).
      const xsd = path.join(ROOT, 'test/fixtures/junit/junit-10.xsd');
      const lint = spawnSync('xmllint', ['--noout', '--schema', xsd, path.join(out, 'junit.xml')], { encoding: 'utf8' });
      expect(lint.status, lint.stderr).toBe(0);
      const sarif = JSON.parse(readFileSync(path.join(out, 'results.sarif'), 'utf8'));
      expect(sarif.version).toBe('2.1.0');
      expect(sarif.runs[0].results).toHaveLength(1);
      expect(sarif.runs[0].results[0]).toMatchObject({
        ruleId: 'fixture_schema_trigger_enabled',
        level: 'error',
        locations: [
          { logicalLocations: [{ name: 'trigger:public.audit_events.audit_events_no_update' }], physicalLocation: { artifactLocation: { uri: 'controls/catalog/audit_events_append_only.yaml' } } },
        ],
      });
      expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('fixture_schema_trigger_enabled');
      const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
      expect(results).toMatchObject({ ok: false, exitCode: 1, summary: { regressions: 1 } });
    } finally {
      await db.pool('owner').query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
    }
    expect((await gate(out)).exitCode).toBe(0);
  });

  it('a finding with a file:line becomes a SARIF physical location with a region', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'trust-gate-'));
    const cat = catalog();
    const parts = fixtureParts({ tokensEncrypted: false });
    const r = await produceOutputs({
      root: mkdtempSync(path.join(os.tmpdir(), 'trust-gate-root-')),
      outDir: out,
      catalog: cat,
      parts,
      now: new Date(),
      progress: silentProgress,
      checks: [...fixtureChecks, triggerEnabled],
      oscal: false,
    });
    const sarif = JSON.parse(readFileSync(path.join(out, 'results.sarif'), 'utf8'));
    const hit = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'fixture_flag');
    expect(hit.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'platform/config/encryption.yaml' }, region: { startLine: 3 } });
    expect(r.exitCode).toBe(1);
  });
});

describe('the CLI exits 2 with a one-line cause', () => {
  it('on an unreachable database, quickly', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'trust-gate-'));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [BIN, 'check', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none', CI: '1' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'));
    expect(lines[0]).toMatch(/^trust check: cannot connect as the reader role derived from DATABASE_URL \(postgres:\/\/trust_reader:\*\*\*@127\.0\.0\.1:1\/none\): .*ECONNREFUSED/);
    expect(r.stderr).not.toContain('nobody:x@');
    expect(readdirSync(out)).toEqual([]);
  });

  /** A copy of controls/ whose first catalog file repeats a key, and that file's name. */
  function badCatalogCopy(): { root: string; file: string } {
    const root = mkdtempSync(path.join(os.tmpdir(), 'trust-bad-catalog-'));
    cpSync(path.join(ROOT, 'controls'), path.join(root, 'controls'), { recursive: true });
    const file = readdirSync(path.join(root, 'controls', 'catalog'))
      .filter((f) => f.endsWith('.yaml'))
      .sort()[0];
    appendFileSync(path.join(root, 'controls', 'catalog', file), '\nid: duplicate-key\n');
    return { root, file };
  }

  it('on a malformed control file: the first line names file:line:col', async () => {
    const { root, file } = badCatalogCopy();
    const err = await loadCatalogFrom(root).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`^controls/catalog/${file.replace('.', '\\.')}:\\d+:\\d+ `));
  });

  it('a bad catalog is the cause even when the database, opened meanwhile, fails too; nothing prints before it', async () => {
    const { root, file } = badCatalogCopy();
    const lines: string[] = [];
    const progress = {
      ...silentProgress,
      done: (step: string) => {
        lines.push(step);
      },
      warn: (m: string) => {
        lines.push(m);
      },
    };
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://nobody:x@127.0.0.1:1/none';
    try {
      const err = await runGate({ root, outDir: mkdtempSync(path.join(os.tmpdir(), 'trust-gate-')), progress }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(new RegExp(`^controls/catalog/${file.replace('.', '\\.')}:\\d+:\\d+ `));
      expect(lines).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe('the gate with a baseline', () => {
  it('fails when a control observed live in the baseline is not live now, and says so in SARIF', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'trust-gate-root-'));
    const run = (state: Parameters<typeof fixtureParts>[0], baseline?: ReturnType<typeof JSON.parse>) =>
      produceOutputs({
        root,
        outDir: mkdtempSync(path.join(os.tmpdir(), 'trust-gate-')),
        catalog: fixtureCatalog(),
        parts: fixtureParts(state),
        now: new Date(),
        progress: silentProgress,
        checks: fixtureChecks,
        oscal: false,
        baseline,
      });
    const first = await run({});
    const baseline = JSON.parse(readFileSync(path.join(first.written.find((w) => w.endsWith('mapping.json'))!), 'utf8'));
    expect((await run({}, baseline)).exitCode).toBe(0);
    const bad = await run({ tokensEncrypted: false }, baseline);
    expect(bad.exitCode).toBe(1);
    expect(bad.failures.map((f) => f.kind)).toEqual(['regression', 'lost_live']);
    const sarif = JSON.parse(
      readFileSync(
        bad.written.find((w) => w.endsWith('results.sarif'))!,
        'utf8',
      ),
    );
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['fixture_flag', 'baseline']);
  });
});

describe('OSCAL beside the bundle', () => {
  it('a run writes its OSCAL documents to <out>/oscal/, linking back to ../bundle.json', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'trust-gate-oscal-'));
    const r = await produceOutputs({
      root: mkdtempSync(path.join(os.tmpdir(), 'trust-gate-root-')),
      outDir: out,
      catalog: fixtureCatalog(),
      parts: fixtureParts(),
      now: new Date('2026-11-21T12:00:00Z'),
      progress: silentProgress,
      checks: fixtureChecks,
    });
    expect(r.written).toContain(path.join(out, 'oscal'));
    expect(
      readdirSync(out)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(['bundle.json', 'bundle.sig.json', 'changelog.json', 'mapping.json', 'results.json', 'trust.json', 'trust.sig.json']);
    const ar = readFileSync(path.join(out, 'oscal', 'assessment-results.json'), 'utf8');
    expect(ar).toContain('"href": "../bundle.json#/parts/');
    expect(ar).toContain(r.bundleSha256);
  });
});
