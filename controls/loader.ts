/**
 * Loads the controls catalog from `controls/` and proves it coherent before anything
 * evaluates it: every file parses, every field is known, every check exists and gets
 * parameters it accepts, every mapping names real criteria and real controls.
 *
 * All problems of one run are collected and thrown together as a CatalogError whose
 * diagnostics are located as `file:line:col pointer  message`. Positions come from
 * the YAML source (parseDocument + LineCounter), so an author lands on the bad key.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ValidateFunction } from 'ajv';
import { z } from 'zod';
import { CatalogFileSchema, ControlFileSchema, FrameworkFileSchema, MappingSchema, type Catalog, type Control, type Framework, type Mapping } from './types.ts';
import { CHECKS } from './checks/registry.ts';
import { closest } from '../platform/kernel/text/closest.mjs';
import { uncoveredPhrases, universalPhrases } from './claim-scope.ts';
import type { CheckDefinition } from './checks/types.ts';
import { CatalogError } from './catalog-error.ts';
import { Diagnostics, parseSource, seg, type Segment, type Source } from '../platform/kernel/located-yaml.ts';
import { validateDocument } from './validate-document.ts';

/** Where each part of the catalog lives, relative to the repository root. */
export const CATALOG_PATHS = {
  catalog: 'controls/catalog.yaml',
  controls: 'controls/catalog',
  frameworks: 'controls/frameworks',
  mappings: 'controls/mappings',
  controlSchema: 'controls/schema/control.schema.json',
} as const;

/** Collects diagnostics and notes for one load. */
class Run extends Diagnostics {
  constructor(readonly checks: readonly CheckDefinition[]) {
    super();
  }
  readonly notes: string[] = [];
}

export interface LoadOptions {
  /** Checks that control files may reference; the registry by default. Tests pass their own definitions. */
  checks?: readonly CheckDefinition[];
}

/** Loads and validates the catalog under `root`; throws CatalogError (exit 2) listing every problem. */
export async function loadCatalog(root: string = process.cwd(), options: LoadOptions = {}): Promise<Catalog> {
  const run = new Run(options.checks ?? CHECKS);

  const catalogSrc = await readSource(root, CATALOG_PATHS.catalog, run);
  const catalogFile = catalogSrc ? validateDocument(run, catalogSrc, CatalogFileSchema) : null;

  const frameworks = await loadFrameworks(root, run, catalogSrc, catalogFile?.frameworks ?? null);
  const { controls, files, attempted } = await loadControls(root, run);
  const mappings = await loadMappings(root, run, frameworks, new Set(controls.map((c) => c.id)), attempted, catalogFile?.frameworks ?? null);

  const mapped = new Set(
    mappings.flatMap((m) =>
      Object.values(m.criteria)
        .flat()
        .map((e) => e.control),
    ),
  );
  for (const c of controls) {
    if (!mapped.has(c.id)) run.notes.push(`${files[c.id]}: control ${c.id} is not mapped to any framework criterion.`);
  }

  if (run.diagnostics.length > 0 || !catalogFile) throw new CatalogError(run.diagnostics);

  const sortedFrameworks = [...frameworks.values()].sort((a, b) => cmp(a.id, b.id));
  const body = {
    version: catalogFile.version,
    organisation: catalogFile.organisation,
    controls,
    frameworks: sortedFrameworks,
    mappings,
  };
  return { ...body, sha256: catalogSha256(body), files, notes: run.notes.sort() };
}

/** SHA-256 of the canonical JSON (RFC 8785, sorted keys) of the catalog's content; controls sorted by id. */
export function catalogSha256(body: Pick<Catalog, 'version' | 'organisation' | 'controls' | 'frameworks' | 'mappings'>): string {
  const canonical = canonicalize({
    version: body.version,
    organisation: body.organisation,
    controls: [...body.controls].sort((a, b) => cmp(a.id, b.id)),
    frameworks: body.frameworks,
    mappings: body.mappings,
  });
  return createHash('sha256')
    .update(canonical ?? '', 'utf8')
    .digest('hex');
}

// ---------------------------------------------------------------- controls

async function loadControls(root: string, run: Run) {
  const controls: Control[] = [];
  const files: Record<string, string> = {};
  // File stems seen, even when a file failed to load: a mapping naming one of them is
  // not also reported as "unknown control" (one mistake, one diagnostic).
  const attempted = new Set<string>();
  const validateControl = await controlValidator(root, run);

  for (const file of await listYaml(root, CATALOG_PATHS.controls, run)) {
    const stem = path.basename(file).replace(/\.ya?ml$/, '');
    attempted.add(stem);
    const src = await readSource(root, file, run);
    if (!src) continue;
    const parsed = validateDocument(run, src, ControlFileSchema, validateControl);
    if (!parsed) continue;
    // `breaks` names the control's break tests (test/controls/break-rows.test.ts): not content.
    const { breaks: _breaks, ...control } = parsed;

    if (control.id !== stem) {
      run.at(src, ['id'], `File name "${path.basename(file)}" does not match id "${control.id}"; rename the file to ${control.id}.yaml (ids never change).`);
    }
    if (files[control.id]) {
      run.at(src, ['id'], `Duplicate control id "${control.id}", already defined in ${files[control.id]}.`);
      continue;
    }
    checkStatusRules(run, src, control);
    checkCheckRefs(run, src, control);
    checkClaimScope(run, src, control);
    checkArtifacts(run, src, control);
    files[control.id] = file;
    controls.push(control);
  }
  controls.sort((a, b) => cmp(a.id, b.id));
  return { controls, files, attempted };
}

function checkStatusRules(run: Run, src: Source, c: Control): void {
  if (c.status === 'roadmap') {
    if (c.checks.length > 0) run.at(src, ['checks'], 'A roadmap control claims no evidence: remove its checks or set its status to designed.');
    if (c.artifacts.length > 0) run.at(src, ['artifacts'], 'A roadmap control claims no evidence: remove its artifacts or set its status to designed.');
  }
  if (c.status === 'designed' && c.artifacts.length === 0) {
    run.at(src, ['status'], 'A designed control must name its design artifacts (artifacts: [{ file, symbol or resource }]).');
  }
  if (c.status === 'live' && c.checks.length === 0) {
    run.notes.push(`${src.file}: live control ${c.id} has no checks yet; it evaluates as unproven.`);
  }
}

function checkCheckRefs(run: Run, src: Source, c: Control): void {
  c.checks.forEach((ref, i) => {
    const def = run.checks.find((k) => k.id === ref.check);
    if (!def) {
      run.at(
        src,
        ['checks', i, 'check'],
        `Unknown check "${ref.check}". ${suggest(
          ref.check,
          run.checks.map((k) => k.id),
          'checks',
          'controls/checks/registry.ts',
        )}`,
      );
      return;
    }
    const parsed = def.params.safeParse(ref.params);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      const base: Segment[] = ['checks', i, 'params', ...issue.path.map(seg)];
      if (issue.code === 'unrecognized_keys') {
        const known = paramNames(def.params);
        for (const key of issue.keys) {
          run.at(src, [...base, key], `Unknown parameter "${key}" for check ${def.id}. ${known.length ? `Known: ${known.join(', ')}.` : 'It takes no parameters.'}`);
        }
      } else {
        run.at(src, base, `${issue.message} (parameter of check ${def.id}).`);
      }
    }
  });
}

/** A live claim may not promise more than its checks cover ("no table" needs a check of every table). */
function checkClaimScope(run: Run, src: Source, c: Control): void {
  if (c.status !== 'live') return;
  const find = (id: string) => run.checks.find((k) => k.id === id);
  for (const p of uncoveredPhrases(c, find)) {
    const field = universalPhrases(c.statement).some((q) => q.noun === p.noun) ? 'statement' : 'claim';
    run.at(
      src,
      [field],
      `The ${field} promises "${p.text}", but no check of this live control covers every ${p.noun} (a check declares it in its scope); narrow the wording or add a check that judges every ${p.noun}.`,
    );
  }
}

function checkArtifacts(run: Run, src: Source, c: Control): void {
  c.artifacts.forEach((a, i) => {
    const norm = path.posix.normalize(a.file);
    if (path.posix.isAbsolute(a.file) || norm.startsWith('..') || norm !== a.file) {
      run.at(src, ['artifacts', i, 'file'], `Artifact path "${a.file}" must be repository-relative and normalised (e.g. platform/infra/vault/vault.tf).`);
    }
  });
}

/** Ajv validator compiled from the published JSON Schema, so editors and the loader agree. */
/**
 * The published control schema's validator, compiled on first use: only a file zod
 * rejects needs its JSON-pointer diagnostics, and compiling costs more than validating
 * the whole catalog. The file is read at once, so a missing schema is still reported.
 */
async function controlValidator(root: string, run: Run): Promise<(() => ValidateFunction) | null> {
  const file = CATALOG_PATHS.controlSchema;
  let schema: object;
  try {
    schema = JSON.parse(await readFile(path.join(root, file), 'utf8')) as object;
  } catch (e) {
    run.atFile(file, `Cannot read the control JSON Schema (${(e as Error).message.split('\n')[0]}); regenerate it with npx tsx controls/schema/generate.ts.`);
    return null;
  }
  let compiled: ValidateFunction | undefined;
  return () => {
    // Loaded here too, not at start-up, for the same reason.
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    return (compiled ??= new Ajv2020({ allErrors: true, strict: false, verbose: true }).compile(schema));
  };
}

// ---------------------------------------------------------------- frameworks

async function loadFrameworks(root: string, run: Run, catalogSrc: Source | null, listed: string[] | null) {
  const frameworks = new Map<string, Framework>();
  for (const file of await listYaml(root, CATALOG_PATHS.frameworks, run)) {
    const src = await readSource(root, file, run);
    if (!src) continue;
    const wrapped = validateDocument(run, src, FrameworkFileSchema);
    if (!wrapped) continue;
    const fw = wrapped.framework;
    const stem = path.basename(file).replace(/\.ya?ml$/, '');
    if (fw.id !== stem) run.at(src, ['framework', 'id'], `File name "${path.basename(file)}" does not match framework id "${fw.id}".`);
    if (frameworks.has(fw.id)) {
      run.at(src, ['framework', 'id'], `Duplicate framework id "${fw.id}".`);
      continue;
    }
    const seen = new Set<string>();
    fw.criteria.forEach((c, i) => {
      if (seen.has(c.id)) run.at(src, ['framework', 'criteria', i, 'id'], `Duplicate criterion "${c.id}" in framework ${fw.id}.`);
      seen.add(c.id);
    });
    frameworks.set(fw.id, fw);
  }
  if (catalogSrc && listed) {
    listed.forEach((id, i) => {
      if (!frameworks.has(id)) {
        run.at(catalogSrc, ['frameworks', i], `Unknown framework "${id}": no file ${CATALOG_PATHS.frameworks}/${id}.yaml. ${suggest(id, [...frameworks.keys()], 'frameworks')}`);
      }
    });
    for (const id of frameworks.keys()) {
      if (!listed.includes(id)) run.notes.push(`${CATALOG_PATHS.frameworks}/${id}.yaml: framework ${id} is not listed in ${CATALOG_PATHS.catalog}.`);
    }
  }
  return frameworks;
}

// ---------------------------------------------------------------- mappings

async function loadMappings(
  root: string,
  run: Run,
  frameworks: Map<string, Framework>,
  controlIds: Set<string>,
  attempted: Set<string>,
  // null when catalog.yaml itself failed: its own diagnostic says so, no need to echo it per mapping.
  listed: string[] | null,
): Promise<Mapping[]> {
  const mappings: Mapping[] = [];
  for (const file of await listYaml(root, CATALOG_PATHS.mappings, run)) {
    const src = await readSource(root, file, run);
    if (!src) continue;
    const m = validateDocument(run, src, MappingSchema);
    if (!m) continue;
    const stem = path.basename(file).replace(/\.ya?ml$/, '');
    if (m.framework !== stem) run.at(src, ['framework'], `File name "${path.basename(file)}" does not match framework "${m.framework}"; one mapping file per framework, named after it.`);
    if (mappings.some((x) => x.framework === m.framework)) {
      run.at(src, ['framework'], `A second mapping for framework "${m.framework}"; each framework has exactly one mapping file.`);
      continue;
    }
    const fw = frameworks.get(m.framework);
    if (!fw) {
      run.at(src, ['framework'], `Unknown framework "${m.framework}". ${suggest(m.framework, [...frameworks.keys()], 'frameworks')}`);
      continue;
    }
    if (listed && !listed.includes(m.framework)) run.at(src, ['framework'], `Framework "${m.framework}" is not listed under frameworks in ${CATALOG_PATHS.catalog}.`);
    const criteria = new Set(fw.criteria.map((c) => c.id));
    for (const [criterion, entries] of Object.entries(m.criteria)) {
      if (!criteria.has(criterion)) {
        run.at(src, ['criteria', criterion], `Unknown criterion "${criterion}" in framework ${fw.id}. ${suggest(criterion, [...criteria], 'criteria', `${CATALOG_PATHS.frameworks}/${fw.id}.yaml`)}`);
      }
      const seen = new Set<string>();
      entries.forEach((e, i) => {
        if (seen.has(e.control)) run.at(src, ['criteria', criterion, i, 'control'], `Control "${e.control}" is listed twice under ${criterion}.`);
        seen.add(e.control);
        if (!controlIds.has(e.control) && !attempted.has(e.control)) {
          run.at(src, ['criteria', criterion, i, 'control'], `Unknown control "${e.control}": no file ${CATALOG_PATHS.controls}/${e.control}.yaml. ${suggest(e.control, [...controlIds], 'controls')}`);
        }
      });
    }
    mappings.push(m);
  }
  for (const id of listed ?? []) {
    if (frameworks.has(id) && !mappings.some((m) => m.framework === id)) {
      run.notes.push(`${CATALOG_PATHS.mappings}/${id}.yaml: framework ${id} has no mapping file.`);
    }
  }
  return mappings.sort((a, b) => cmp(a.framework, b.framework));
}

// ---------------------------------------------------------------- YAML, schemas, positions

async function listYaml(root: string, dir: string, run: Run): Promise<string[]> {
  try {
    const names = await readdir(path.join(root, dir));
    return names
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => `${dir}/${n}`);
  } catch (e) {
    run.atFile(dir, `Cannot read directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    return [];
  }
}

/** Reads and parses one YAML file; YAML errors (syntax, duplicate keys) become diagnostics. */
async function readSource(root: string, file: string, run: Run): Promise<Source | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(root, file));
  } catch (e) {
    run.atFile(file, `Cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    return null;
  }
  return parseSource(bytes, file, run, 'catalog files');
}

function paramNames(schema: z.ZodTypeAny): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).sort() : [];
}

/** "Did you mean" for near misses; otherwise says where the list lives. */
function suggest(value: string, known: string[], what: string, where?: string): string {
  const best = closest(value, known, 1 / 4);
  if (best) return `Did you mean "${best}"?`;
  if (known.length === 0) return `No ${what} are defined${where ? ` (${where})` : ''}.`;
  return known.length <= 8 ? `Known ${what}: ${[...known].sort().join(', ')}.` : `${known.length} ${what} are defined${where ? ` in ${where}` : ''}.`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
