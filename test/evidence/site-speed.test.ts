/**
 * The site build's speed tricks change no byte of the site: Astro's compiler kept to
 * WebAssembly's baseline tier (evidence/site/wasm-liftoff.ts, TRUST_WASM_LIFTOFF), the
 * evidence engine taken from the building process instead of compiled again
 * (site/lib/shared-engine.ts, TRUST_SITE_SHARED_ENGINE) and the configuration handed to
 * Astro inline instead of loaded from astro.config.mjs (site/astro-config.ts,
 * TRUST_SITE_INLINE_CONFIG). The same evidence is built with all of them off and with all on,
 * each by `trust site` in a process of its own (the tier is a setting of the whole process),
 * and every file of the two sites is compared.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../controls/loader.ts';
import { syntheticBundle, writeSignedBundle } from '../bench/workloads/catalog-bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Inside the working directory: Astro writes a build's server chunks beside an output
// directory there, and under the working directory's .astro/ (shared) for one elsewhere.
mkdirSync(path.join(ROOT, 'out'), { recursive: true });
const tmp = mkdtempSync(path.join(ROOT, 'out', '.site-speed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function site(name: string, env: Record<string, string>): Promise<Map<string, Buffer>> {
  const out = path.join(tmp, name);
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'evidence/cli/bin.mjs'), 'site', '--bundle', path.join(tmp, 'evidence', 'bundle.json'), '--out', out], {
    cwd: ROOT,
    env: { ...process.env, ...env, TRUST_DATA_DIR: path.join(tmp, 'data') },
  });
  const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [path.relative(out, path.join(e.parentPath, e.name)), readFileSync(path.join(e.parentPath, e.name))]));
}

describe('site build speed tricks', () => {
  it('build the same site, byte for byte, as the plain way', async () => {
    const catalog = await loadCatalog(ROOT);
    mkdirSync(path.join(tmp, 'evidence'));
    // More controls than the catalog's own: the pages of synthetic controls too.
    await writeSignedBundle(path.join(tmp, 'evidence'), syntheticBundle(catalog.controls.length + 20, catalog));
    const plain = await site('plain', { TRUST_WASM_LIFTOFF: '0', TRUST_SITE_SHARED_ENGINE: '0', TRUST_SITE_INLINE_CONFIG: '0' });
    const tricks = await site('tricks', { TRUST_WASM_LIFTOFF: '1', TRUST_SITE_SHARED_ENGINE: '1', TRUST_SITE_INLINE_CONFIG: '1' });
    expect([...tricks.keys()].sort()).toEqual([...plain.keys()].sort());
    expect([...plain.keys()].filter((f) => f.endsWith('index.html')).length).toBeGreaterThan(100);
    expect([...plain].filter(([f, bytes]) => !bytes.equals(tricks.get(f)!)).map(([f]) => f)).toEqual([]);
  }, 600_000);
});
