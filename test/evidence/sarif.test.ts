/**
 * results.sarif as GitHub code scanning and the SARIF Multitool read it: valid against the
 * OASIS 2.1.0 schema (test/fixtures/sarif, unmodified), every rule explained (fullDescription,
 * help, security-severity, tags), fingerprints that survive a second run and a moved line,
 * and every finding located where it is fixed: the migration that defines a database
 * object (the SQL mapper is tested on its own below), the line of a config key, the
 * source line, the control's YAML only as the fallback.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { Log, Result } from 'sarif';
import { renderSarif, FINGERPRINT_KEY } from '../../evidence/ci/sarif.ts';
import { makeLocator, yamlKeyLine } from '../../evidence/ci/locate.ts';
import { indexMigrationText, locateDbObject, maskSql, readMigrationMap, type MigrationMap } from '../../evidence/ci/migration-map.ts';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import type { ControlEvaluation } from '../../evidence/types.ts';
import { fixtureCatalog, fixtureChecks, fixtureParts } from '../fixtures/evidence/fixture.ts';
import { SARIF_MULTITOOL, sarifMultitoolRuns } from '../helpers/sarif-multitool.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// ajv-draft-04 is CommonJS; under NodeNext its class sits on .default.
type Ajv04 = typeof AjvDraft04Module.default;
const AjvDraft04: Ajv04 = (AjvDraft04Module as unknown as { default?: Ajv04 }).default ?? (AjvDraft04Module as unknown as Ajv04);
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: InstanceType<Ajv04>) => unknown;

function schemaErrors(log: unknown): string[] {
  // Formats asserted (uri, date-time), as the acceptance validator does.
  const ajv = new AjvDraft04({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')));
  return validate(log) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath || '/'} ${e.message}`);
}

/** A failing fixture run: a trigger missing, a flag off, a design artifact missing. */
function failingEvaluations(): ControlEvaluation[] {
  const parts = fixtureParts({ tokensEncrypted: false, auditTrigger: null, diskFound: false });
  return evaluateCatalog(fixtureCatalog(), parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) }).evaluations;
}

/** One failing live control whose findings are about real objects of this repository. */
function realObjectsEvaluation(reasonSuffix = ''): ControlEvaluation {
  const f = (check: string, resource: string, extra: { file?: string; line?: number } = {}) => ({
    check,
    status: 'fail' as const,
    kind: 'structure' as const,
    reason: `broken ${resource}${reasonSuffix}`,
    origin: { resource, ...extra },
  });
  const findings = [
    f('fixture_trigger', 'trigger:public.audit_events.audit_events_no_update'),
    f('fixture_trigger', 'column:public.oauth_connections.refresh_token'),
    f('fixture_trigger', 'policy:public.sessions.account_isolation'),
    f('fixture_trigger', 'row:public.audit_events.seq=4812'),
    f('fixture_flag', 'config:retention.rules.admin_access_log', { file: 'platform/config/retention.yaml' }),
    f('fixture_flag', 'file:platform/crypto/zz.ts', { file: 'platform/crypto/zz.ts', line: 2 }),
    f('fixture_trigger', 'role:trust_app'),
  ];
  return {
    control: 'audit_events_append_only',
    claimed: 'live',
    observed: 'roadmap',
    verdict: 'regression',
    checks: [{ check: 'fixture_trigger', params: {}, status: 'fail', collectors: ['fixture'], findings }],
    artifacts: [],
    findings,
  };
}

function render(evaluations: ControlEvaluation[], root = ROOT): Log {
  const controlFiles = { ...fixtureCatalog().files, audit_events_append_only: 'controls/catalog/audit_events_append_only.yaml' };
  return renderSarif({ evaluations, checks: fixtureChecks, controlFiles, baselineFailures: [], toolVersion: '1.0.0', locate: makeLocator({ root, controlFiles }) });
}

const lineOf = (file: string, line: number) => readFileSync(path.join(ROOT, file), 'utf8').split('\n')[line - 1];

describe('SARIF for GitHub code scanning', () => {
  it('is valid against the OASIS SARIF 2.1.0 schema, passing and failing', () => {
    expect(schemaErrors(render([]))).toEqual([]);
    expect(schemaErrors(render([...failingEvaluations(), realObjectsEvaluation()]))).toEqual([]);
    // The validator does reject: a result without a message is not SARIF.
    const broken = render(failingEvaluations()) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0].results[0].message;
    expect(schemaErrors(broken).length).toBeGreaterThan(0);
  });

  it('meets what GitHub and the Multitool Gh rules ask of rules and results', () => {
    const log = render([...failingEvaluations(), realObjectsEvaluation()]);
    const run = log.runs[0];
    const rules = run.tool.driver.rules ?? [];
    expect(rules.length).toBeGreaterThan(3);
    for (const r of rules) {
      // GH2012-style: an alert needs a full description and help, in text and markdown.
      expect(r.fullDescription?.text?.trim(), r.id).toBeTruthy();
      expect(r.help?.text?.trim(), r.id).toBeTruthy();
      expect(r.help?.markdown?.trim(), r.id).toBeTruthy();
      expect(r.name, r.id).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      const sev = Number(r.properties?.['security-severity']);
      expect(typeof r.properties?.['security-severity'], r.id).toBe('string');
      expect(sev >= 0.1 && sev <= 10, r.id).toBe(true);
      expect(r.properties?.tags, r.id).toContain('security');
    }
    const trig = rules.find((r) => r.id === 'fixture_trigger')!;
    expect(trig.properties?.tags).toContain('proof-structure');
    expect(trig.help?.markdown).toContain('`audit_events_append_only`');
    expect(run.results!.length).toBeGreaterThan(0);
    for (const res of run.results!) {
      expect(res.partialFingerprints?.[FINGERPRINT_KEY], res.ruleId).toMatch(/^[0-9a-f]{64}(:\d+)?$/);
      expect(rules[res.ruleIndex!].id).toBe(res.ruleId);
      const pl = res.locations?.[0]?.physicalLocation;
      expect(pl?.artifactLocation?.uri, res.message.text).toBeTruthy();
      expect(pl!.artifactLocation!.uri).not.toMatch(/^\/|^[a-z]+:/); // relative to the checkout
    }
    const fps = run.results!.map((r) => r.partialFingerprints![FINGERPRINT_KEY]);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('keeps fingerprints across runs, reworded messages and moved lines', () => {
    const a = render([realObjectsEvaluation()]).runs[0].results!;
    const b = render([realObjectsEvaluation(' (3 rows now)')]).runs[0].results!;
    expect(b.map((r) => r.message.text)).not.toEqual(a.map((r) => r.message.text));
    expect(b.map((r) => r.partialFingerprints)).toEqual(a.map((r) => r.partialFingerprints));
    // Without the migrations (another checkout layout) the locations change, the fingerprints do not.
    const c = render([realObjectsEvaluation()], mkdtempSync(path.join(os.tmpdir(), 'sarif-root-'))).runs[0].results!;
    expect(c.map((r) => r.partialFingerprints)).toEqual(a.map((r) => r.partialFingerprints));
    expect(c[0].locations![0].physicalLocation!.artifactLocation!.uri).toBe('controls/catalog/audit_events_append_only.yaml');
  });

  it('locates each finding where it is fixed: migration, config line, source line, control YAML last', () => {
    const results = render([realObjectsEvaluation()]).runs[0].results!;
    const at = (resource: string) => {
      const r = results.find((x: Result) => x.locations![0].logicalLocations![0].name === resource)!;
      const pl = r.locations![0].physicalLocation!;
      return { file: pl.artifactLocation!.uri!, line: pl.region?.startLine, in: r.properties!.locatedIn };
    };
    const trig = at('trigger:public.audit_events.audit_events_no_update');
    // The migration whose definition is in force (a later one re-creates the trigger when it
    // rebuilds the table), whichever that is today.
    expect(trig).toMatchObject({ file: expect.stringMatching(/^platform\/migrations\/\d+_\w+\.sql$/), in: 'migration' });
    expect(lineOf(trig.file, trig.line!)).toMatch(/CREATE TRIGGER audit_events_no_update\b/);
    const col = at('column:public.oauth_connections.refresh_token');
    expect(col.file).toMatch(/^platform\/migrations\/.*\.sql$/);
    expect(lineOf(col.file, col.line!)).toMatch(/^\s*refresh_token\b/);
    const pol = at('policy:public.sessions.account_isolation');
    expect(lineOf(pol.file, pol.line!)).toMatch(/CREATE POLICY account_isolation/);
    const row = at('row:public.audit_events.seq=4812');
    expect(row.file).toMatch(/^platform\/migrations\//);
    expect(lineOf(row.file, row.line!)).toMatch(/CREATE TABLE audit_events\b/);
    const cfg = at('config:retention.rules.admin_access_log');
    expect(cfg).toMatchObject({ file: 'platform/config/retention.yaml', in: 'config' });
    expect(lineOf(cfg.file, cfg.line!)).toMatch(/- table: admin_access_log/);
    expect(at('file:platform/crypto/zz.ts')).toEqual({ file: 'platform/crypto/zz.ts', line: 2, in: 'code' });
    const role = at('role:trust_app');
    expect(role).toMatchObject({ file: 'controls/catalog/audit_events_append_only.yaml', in: 'control' });
  });

  const MT = SARIF_MULTITOOL;
  it.skipIf(!sarifMultitoolRuns)(
    'passes the SARIF Multitool with --rule-kind "Gh;Sarif": no error-level result',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sarif-mt-'));
      const input = path.join(dir, 'results.sarif');
      const output = path.join(dir, 'multitool.sarif');
      writeFileSync(input, JSON.stringify(render([...failingEvaluations(), realObjectsEvaluation()]), null, 2));
      const r = spawnSync(MT, ['validate', input, '--rule-kind', 'Gh;Sarif', '--output', output, '--log', 'ForceOverwrite'], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
      });
      expect(existsSync(output), `${r.stdout}\n${r.stderr}`).toBe(true);
      const mt = JSON.parse(readFileSync(output, 'utf8')) as Log;
      const errors = mt.runs.flatMap((run) => (run.results ?? []).filter((x) => (x.level ?? 'warning') === 'error').map((x) => `${x.ruleId}: ${x.message.text ?? x.message.id}`));
      expect(errors).toEqual([]);
      expect(mt.runs[0].invocations?.[0]?.executionSuccessful).toBe(true);
    },
    150_000,
  );
});

describe('migration map (platform/migrations/*.sql -> definition lines)', () => {
  const map = (files: Record<string, string>): MigrationMap => {
    const m: MigrationMap = { objects: new Map(), anyTablePolicies: new Map() };
    for (const [f, sql] of Object.entries(files)) indexMigrationText(f, sql, m);
    return m;
  };

  it('maps tables, columns, named and implicit constraints, indexes, triggers, policies and functions', () => {
    const m = map({
      'm/0001.sql': [
        '-- Up Migration',
        '-- CREATE TABLE ghost (id int);  a comment is not a definition',
        'CREATE TABLE IF NOT EXISTS accounts (',
        '  id uuid PRIMARY KEY,',
        "  name text NOT NULL CHECK (name <> ''),",
        '  "Mixed" int,',
        '  CONSTRAINT accounts_name_len CHECK (length(name) < 100),',
        '  UNIQUE (name, id)',
        ');',
        'CREATE UNIQUE INDEX accounts_by_name ON accounts (name);',
        "CREATE FUNCTION app.no_update() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE 'CREATE TABLE fake (x int)'; END $f$;",
        'CREATE TRIGGER accounts_no_update',
        '  BEFORE UPDATE OF name, id ON public.accounts FOR EACH ROW EXECUTE FUNCTION app.no_update();',
        'CREATE POLICY own ON accounts USING (true);',
        'ALTER TABLE accounts ADD COLUMN IF NOT EXISTS region text, ADD CONSTRAINT accounts_region_ok CHECK (region IS NOT NULL);',
        '-- Down Migration',
        'CREATE TABLE accounts_old (id int);',
      ].join('\n'),
    });
    const at = (k: string) => m.objects.get(k)?.line;
    expect(at('table:public.accounts')).toBe(3);
    expect(at('table:public.ghost')).toBeUndefined();
    expect(at('table:public.fake')).toBeUndefined();
    expect(at('table:public.accounts_old')).toBeUndefined(); // the down migration is not a definition
    expect(at('column:public.accounts.id')).toBe(4);
    expect(at('column:public.accounts.name')).toBe(5);
    expect(at('column:public.accounts.Mixed')).toBe(6);
    expect(at('constraint:public.accounts.accounts_pkey')).toBe(4);
    expect(at('constraint:public.accounts.accounts_name_check')).toBe(5);
    expect(at('constraint:public.accounts.accounts_name_len')).toBe(7);
    expect(at('constraint:public.accounts.accounts_name_id_key')).toBe(8);
    expect(at('index:public.accounts_by_name')).toBe(10);
    expect(at('function:app.no_update')).toBe(11);
    expect(at('trigger:public.accounts.accounts_no_update')).toBe(12);
    expect(at('policy:public.accounts.own')).toBe(14);
    expect(at('column:public.accounts.region')).toBe(15);
    expect(at('constraint:public.accounts.accounts_region_ok')).toBe(15);
  });

  it('lets a later migration replace a definition, and maps dynamic policies in DO blocks', () => {
    const m = map({
      'm/0001.sql': 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nCREATE TABLE t (id int);\n',
      'm/0002.sql': [
        'CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 2 $$ LANGUAGE sql;',
        'DO $$',
        'DECLARE x text;',
        'BEGIN',
        "  FOREACH x IN ARRAY ARRAY['t', 'u'] LOOP",
        "    EXECUTE format('CREATE POLICY iso ON %I USING (true)', x);",
        '  END LOOP;',
        'END $$;',
        'DO $$ BEGIN',
        "  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c LOOP EXECUTE format('CREATE POLICY all_rows ON %s USING (true)', r.rel); END LOOP;",
        'END $$;',
      ].join('\n'),
    });
    expect(m.objects.get('function:public.f')).toEqual({ file: 'm/0002.sql', line: 1 });
    expect(m.objects.get('policy:public.t.iso')).toEqual({ file: 'm/0002.sql', line: 6 });
    expect(m.objects.get('policy:public.u.iso')).toEqual({ file: 'm/0002.sql', line: 6 });
    expect(locateDbObject(m, 'policy:public.zz.all_rows')).toEqual({ file: 'm/0002.sql', line: 10, exact: true });
    // Not found by name: the table that holds it, marked as not exact.
    expect(locateDbObject(m, 'constraint:public.t.t_gone')).toEqual({ file: 'm/0001.sql', line: 2, exact: false });
    expect(locateDbObject(m, 'row:t.id=7')).toEqual({ file: 'm/0001.sql', line: 2, exact: false });
    expect(locateDbObject(m, 'function:public.f(integer)')).toEqual({ file: 'm/0002.sql', line: 1, exact: true });
    expect(locateDbObject(m, 'function:platform/x.ts#f')).toBeUndefined();
    expect(locateDbObject(m, 'role:trust_app')).toBeUndefined();
  });

  it('masks comments and quoted text without moving a line', () => {
    const sql = "SELECT 'a;b' /* c\n d */ , E'\\'x', $t$ body\n $t$ -- tail\nSELECT $1;";
    const { masked } = maskSql(sql);
    expect(masked).toHaveLength(sql.length);
    expect(masked.split('\n')).toHaveLength(sql.split('\n').length);
    expect(masked).not.toMatch(/body|tail|a;b|[cd] /);
    expect(masked).toContain('SELECT $1;');
  });

  it('finds every table of the real migrations, each at its CREATE TABLE line', () => {
    const m = readMigrationMap(ROOT);
    const tables = [...m.objects.entries()].filter(([k]) => k.startsWith('table:'));
    expect(tables.length).toBeGreaterThan(20);
    for (const [k, loc] of tables) expect(lineOf(loc.file, loc.line), k).toMatch(new RegExp(`CREATE TABLE (IF NOT EXISTS )?(public\\.)?${k.split('.')[1]}\\b`, 'i'));
    for (const [k, loc] of [...m.objects.entries()].filter(([key]) => key.startsWith('trigger:')))
      expect(lineOf(loc.file, loc.line), k).toMatch(new RegExp(`CREATE (OR REPLACE )?(CONSTRAINT )?TRIGGER ${k.split('.').pop()}\\b`, 'i'));
  });

  it('reads YAML key paths to lines, from the file root or below a prefix', () => {
    const text = 'a:\n  b: 1\nrules:\n  - table: x\n    keep: 1\n  - table: public.y\n';
    expect(yamlKeyLine(text, ['a', 'b'])).toBe(2);
    expect(yamlKeyLine(text, ['retention', 'rules', 'y'])).toBe(6);
    expect(yamlKeyLine(text, ['rules', 'x', 'keep'])).toBe(5);
    expect(yamlKeyLine(text, ['nothing'])).toBeUndefined();
  });
});
