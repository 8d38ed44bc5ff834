/**
 * Builds a catalog tree for one loader scenario: the base fixture
 * (test/fixtures/catalog/base), the published JSON Schemas from controls/schema, then
 * the scenario's own files on top (test/fixtures/catalog/<scenario>/). A scenario may
 * list paths to delete, one per line, in a REMOVE file.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(REPO, 'test/fixtures/catalog');

export async function catalogScenario(name: string): Promise<{ root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), `catalog-${name}-`));
  await cp(path.join(FIXTURES, 'base'), root, { recursive: true });
  await cp(path.join(REPO, 'controls/schema'), path.join(root, 'controls/schema'), { recursive: true });
  const scenario = path.join(FIXTURES, name);
  if (name !== 'base') {
    await cp(scenario, root, { recursive: true, filter: (src) => path.basename(src) !== 'REMOVE' });
    const remove = path.join(scenario, 'REMOVE');
    if (existsSync(remove)) {
      for (const rel of (await readFile(remove, 'utf8'))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)) {
        await rm(path.join(root, rel), { force: true, recursive: true });
      }
    }
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A copy of the repository's real catalog (controls/ only) in a temporary directory. */
export async function realCatalogCopy(): Promise<{ root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'catalog-real-'));
  await cp(path.join(REPO, 'controls'), path.join(root, 'controls'), { recursive: true, filter: (src) => !src.includes(`${path.sep}checks`) });
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
