/**
 * One scenario per kind of catalog error, each a fixture tree under
 * test/fixtures/catalog/<scenario>/ laid over the base fixture. Messages are pinned
 * with inline snapshots: they are the interface an author reads.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadCatalog } from '../../controls/loader.ts';
import { CatalogError } from '../../controls/catalog-error.ts';
import { InputError } from '../../platform/kernel/errors.ts';
import { defineCheck } from '../../controls/checks/types.ts';
import { catalogScenario } from '../helpers/catalog-fixture.ts';

// A real check definition, as the registry would hold it; only its parameter schema matters here.
const encryptedColumn = defineCheck({
  id: 'encrypted_column',
  kind: 'structure',
  description: 'Every value of the column looks like keyring ciphertext.',
  collectors: ['encryption'],
  params: z.object({ table: z.string().min(1), column: z.enum(['access_token', 'refresh_token']) }).strict(),
  evaluate: () => [],
});
const checks = [encryptedColumn];

async function load(scenario: string) {
  const s = await catalogScenario(scenario);
  try {
    return await loadCatalog(s.root, { checks });
  } finally {
    await s.cleanup();
  }
}

async function failure(scenario: string): Promise<CatalogError> {
  const err = await load(scenario).then(
    () => {
      throw new Error(`scenario ${scenario} loaded without error`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CatalogError);
  expect(err).toBeInstanceOf(InputError);
  expect((err as CatalogError).exitCode).toBe(2);
  return err as CatalogError;
}

describe('loadCatalog on a valid catalog', () => {
  it('loads controls sorted by id, with defaults, files, mappings and a stable sha256', async () => {
    const a = await load('base');
    expect(a.version).toBe('2.1.0');
    expect(a.controls.map((c) => c.id)).toEqual(['keys_customer_managed', 'mesh_mutual_tls', 'tokens_encrypted']);
    expect(a.controls[0]!.checks).toEqual([]);
    expect(a.files.tokens_encrypted).toBe('controls/catalog/tokens_encrypted.yaml');
    expect(a.mappings[0]!.criteria['CC6.1']).toEqual([
      { control: 'tokens_encrypted', relationship: 'subset' },
      { control: 'keys_customer_managed', relationship: 'partial' },
    ]);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const b = await load('base');
    expect(b.sha256).toBe(a.sha256);
  });

  it('changes the sha256 when a control changes', async () => {
    const a = await load('base');
    const b = await load('live-without-checks');
    expect(b.sha256).not.toBe(a.sha256);
  });

  it('notes a live control without checks instead of failing', async () => {
    const c = await load('live-without-checks');
    expect(c.notes).toMatchInlineSnapshot(`
      [
        "controls/catalog/tokens_encrypted.yaml: live control tokens_encrypted has no checks yet; it evaluates as unproven.",
      ]
    `);
  });
});

describe('loadCatalog errors', () => {
  it('malformed YAML', async () => {
    const e = await failure('malformed-yaml');
    expect(e.message).toMatchInlineSnapshot(`"controls/catalog/tokens_encrypted.yaml:3:1 /title  Malformed YAML (MISSING_CHAR): Missing closing "quote. (1 catalog error)"`);
  });

  it('a duplicate key names the file and the line of the second key', async () => {
    const e = await failure('duplicate-key');
    expect(e.message).toMatchInlineSnapshot(`"controls/catalog/mesh_mutual_tls.yaml:12:1 /id  Duplicate key "id" in a mapping: a key may appear only once; remove or rename one. (1 catalog error)"`);
  });

  it('an unknown field', async () => {
    const e = await failure('unknown-field');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/keys_customer_managed.yaml:7:1 /owner  Unknown field "owner". Allowed: id, title, statement, description, category, status, checks, artifacts, external, target, claim, maxEvidenceAge, breaks.",
      ]
    `);
  });

  it('a status outside the enum', async () => {
    const e = await failure('bad-status');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/mesh_mutual_tls.yaml:7:1 /status  "planned" is not allowed; use one of: live, designed, roadmap.",
      ]
    `);
  });

  it('an unknown check id, with a suggestion', async () => {
    const e = await failure('unknown-check');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/tokens_encrypted.yaml:9:5 /checks/0/check  Unknown check "encrypted_colum". Did you mean "encrypted_column"?",
      ]
    `);
  });

  it('bad check parameters, each with its JSON pointer', async () => {
    const e = await failure('bad-params');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/tokens_encrypted.yaml:16:7 /checks/1/params/column  Invalid option: expected one of "access_token"|"refresh_token" (parameter of check encrypted_column).",
        "controls/catalog/tokens_encrypted.yaml:17:7 /checks/1/params/batch  Unknown parameter "batch" for check encrypted_column. Known: column, table.",
      ]
    `);
  });

  it('an unknown framework criterion in a mapping', async () => {
    const e = await failure('unknown-criterion');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/mappings/soc2.yaml:7:3 /criteria/CC6.9  Unknown criterion "CC6.9" in framework soc2. Did you mean "CC6.1"?",
      ]
    `);
  });

  it('a mapping that names an unknown control', async () => {
    const e = await failure('unknown-control-in-mapping');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/mappings/soc2.yaml:8:9 /criteria/CC6.7/0/control  Unknown control "mesh_mutual_tsl": no file controls/catalog/mesh_mutual_tsl.yaml. Did you mean "mesh_mutual_tls"?",
      ]
    `);
  });

  it('a duplicate control id (and the file name that does not match it)', async () => {
    const e = await failure('duplicate-id');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/tokens_encrypted_copy.yaml:2:1 /id  File name "tokens_encrypted_copy.yaml" does not match id "tokens_encrypted"; rename the file to tokens_encrypted.yaml (ids never change).",
        "controls/catalog/tokens_encrypted_copy.yaml:2:1 /id  Duplicate control id "tokens_encrypted", already defined in controls/catalog/tokens_encrypted.yaml.",
      ]
    `);
  });

  it('a roadmap control that claims evidence', async () => {
    const e = await failure('roadmap-with-evidence');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/keys_customer_managed.yaml:9:1 /checks  A roadmap control claims no evidence: remove its checks or set its status to designed.",
      ]
    `);
  });

  it('a designed control without artifacts', async () => {
    const e = await failure('designed-without-artifacts');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/mesh_mutual_tls.yaml:7:1 /status  A designed control must name its design artifacts (artifacts: [{ file, symbol or resource }]).",
      ]
    `);
  });

  it('a mapping entry with an unknown relationship and an unknown field', async () => {
    const e = await failure('bad-mapping-entry');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/mappings/soc2.yaml:8:35 /criteria/CC6.7/0/relationship  Invalid option: expected one of "equivalent"|"subset"|"partial".",
        "controls/mappings/soc2.yaml:8:59 /criteria/CC6.7/0/note  Unknown field "note"; remove it or check its spelling.",
      ]
    `);
  });

  it('an artifact path outside the repository', async () => {
    const e = await failure('bad-artifact-path');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/mesh_mutual_tls.yaml:9:5 /artifacts/0/file  Artifact path "../outside/mesh.yaml" must be repository-relative and normalised (e.g. platform/infra/vault/vault.tf).",
      ]
    `);
  });

  it('an empty control file', async () => {
    const e = await failure('empty-file');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/keys_customer_managed.yaml:1:1 /  Expected a YAML mapping at the top of the file.",
      ]
    `);
  });

  it('an unknown framework in catalog.yaml', async () => {
    const e = await failure('unknown-framework');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog.yaml:14:20 /frameworks/1  Unknown framework "hipaa": no file controls/frameworks/hipaa.yaml. Known frameworks: soc2.",
      ]
    `);
  });

  it('a missing catalog.yaml', async () => {
    const e = await failure('missing-catalog');
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog.yaml:1:1 /  Cannot read file: ENOENT.",
      ]
    `);
  });

  it('reports every error of a run at once, across files, sorted by file and line', async () => {
    const e = await failure('many-errors');
    expect(e.message).toMatchInlineSnapshot(
      `"controls/catalog/keys_customer_managed.yaml:9:1 /checks  A roadmap control claims no evidence: remove its checks or set its status to designed. (5 catalog errors)"`,
    );
    expect(e.details).toMatchInlineSnapshot(`
      [
        "controls/catalog/keys_customer_managed.yaml:9:1 /checks  A roadmap control claims no evidence: remove its checks or set its status to designed.",
        "controls/catalog/mesh_mutual_tls.yaml:12:1 /id  Duplicate key "id" in a mapping: a key may appear only once; remove or rename one.",
        "controls/catalog/tokens_encrypted.yaml:16:7 /checks/1/params/column  Invalid option: expected one of "access_token"|"refresh_token" (parameter of check encrypted_column).",
        "controls/catalog/tokens_encrypted.yaml:17:7 /checks/1/params/batch  Unknown parameter "batch" for check encrypted_column. Known: column, table.",
        "controls/mappings/soc2.yaml:7:3 /criteria/CC6.9  Unknown criterion "CC6.9" in framework soc2. Did you mean "CC6.1"?",
      ]
    `);
  });
});
