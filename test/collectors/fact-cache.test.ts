import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanCode, scanCodeCached } from '../../collectors/code.ts';
import { designFacts, designFactsCached, type WantedArtifact } from '../../collectors/design.ts';
import { factCacheDir, factCacheEnabled, withFactCache } from '../../collectors/fact-cache.ts';
import { loadCatalog } from '../../controls/loader.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** A copy of platform/ and a private data directory, so the cache and the edits are this test's own. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-fact-cache-'));
  cpSync(path.join(root, 'platform'), path.join(dir, 'platform'), { recursive: true, filter: (p) => !p.includes('node_modules') });
  return { dir, env: { TRUST_DATA_DIR: path.join(dir, 'data') } };
}

const entries = (env: NodeJS.ProcessEnv, dir: string, collector: string) => {
  try {
    return readdirSync(path.join(factCacheDir(dir, env), collector));
  } catch {
    return [];
  }
};

describe('the fact cache of the code collector', () => {
  it('gives exactly the facts a fresh scan gives, computed once, then read back', async () => {
    const { dir, env } = sandbox();
    const fresh = await scanCode(dir);
    const first = await scanCodeCached(dir, 'platform', env);
    expect(first.cache).toBe('miss');
    expect(first.facts).toEqual(fresh);
    const second = await scanCodeCached(dir, 'platform', env);
    expect(second.cache).toBe('hit');
    expect(second.key).toBe(first.key);
    // Through JSON and back, as the cache stores it: still equal, field for field.
    expect(second.facts).toEqual(fresh);
    expect(fresh.files).toBeGreaterThan(20);
    expect(fresh.functions.length).toBeGreaterThan(10);
  });

  it('misses when any file is edited, added or removed, and then gives the fresh facts of the new tree', async () => {
    const { dir, env } = sandbox();
    const before = await scanCodeCached(dir, 'platform', env);
    // Edit: one byte of meaning, a Math.random in a security module.
    const file = path.join(dir, 'platform', 'identity', 'sessions.ts');
    writeFileSync(file, readFileSync(file, 'utf8') + '\nexport const jitter = (): number => Math.random();\n');
    const edited = await scanCodeCached(dir, 'platform', env);
    expect(edited.cache).toBe('miss');
    expect(edited.key).not.toBe(before.key);
    expect(edited.facts).toEqual(await scanCode(dir));
    expect(edited.facts.mathRandom.some((m) => m.file === 'platform/identity/sessions.ts')).toBe(true);
    // Only the content counts: the same edit made again (new mtime, same bytes) hits.
    writeFileSync(file, readFileSync(file, 'utf8'));
    expect((await scanCodeCached(dir, 'platform', env)).cache).toBe('hit');
    // A new file.
    writeFileSync(path.join(dir, 'platform', 'privacy', 'leak.ts'), "export const LEAK = 'UPDATE oauth_connections SET access_token = $1 WHERE id = $2';\n");
    const added = await scanCodeCached(dir, 'platform', env);
    expect(added.cache).toBe('miss');
    expect(added.facts).toEqual(await scanCode(dir));
    expect(added.facts.secretTableWrites.some((w) => w.file === 'platform/privacy/leak.ts')).toBe(true);
    // A removed file: the facts of the tree without it, not those stored with it.
    rmSync(path.join(dir, 'platform', 'privacy', 'leak.ts'));
    const removed = await scanCodeCached(dir, 'platform', env);
    expect(removed.facts).toEqual(await scanCode(dir));
    expect(removed.facts.secretTableWrites.some((w) => w.file === 'platform/privacy/leak.ts')).toBe(false);
  });

  it('recomputes over an unreadable entry or one whose recorded key differs; TRUST_FACT_CACHE=0 turns it off', async () => {
    const { dir, env } = sandbox();
    const first = await scanCodeCached(dir, 'platform', env);
    const entry = path.join(factCacheDir(dir, env), 'code', `${first.key}.json`);
    writeFileSync(entry, '{ not json');
    const again = await scanCodeCached(dir, 'platform', env);
    expect(again.cache).toBe('miss');
    expect(again.facts).toEqual(first.facts);
    // An entry planted under the key with other facts and another recorded key is not trusted.
    writeFileSync(entry, JSON.stringify({ key: 'f'.repeat(64), facts: { ...first.facts, mathRandom: [] } }));
    expect((await scanCodeCached(dir, 'platform', env)).cache).toBe('miss');

    const offEnv = { ...env, TRUST_FACT_CACHE: '0' };
    expect(factCacheEnabled(offEnv)).toBe(false);
    expect(factCacheEnabled({})).toBe(true);
    // On CI a restored cache may come from another branch: off unless asked for.
    expect(factCacheEnabled({ CI: 'true' })).toBe(false);
    expect(factCacheEnabled({ CI: 'true', TRUST_FACT_CACHE: '1' })).toBe(true);
    rmSync(factCacheDir(dir, env), { recursive: true, force: true });
    const off = await scanCodeCached(dir, 'platform', offEnv);
    expect(off.cache).toBe('off');
    expect(off.facts).toEqual(first.facts);
    expect(entries(env, dir, 'code')).toEqual([]);
  });

  it('keys on the collector version and its other inputs, and lets the computation read only its declared files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-fact-cache-'));
    const env = { TRUST_DATA_DIR: path.join(dir, 'data') };
    writeFileSync(path.join(dir, 'a.txt'), 'a');
    const req = { root: dir, collector: 'probe', version: '1', code: 'x', files: ['a.txt', 'absent.txt'] };
    const count = (read: (rel: string) => Buffer | null) => ({ a: read('a.txt')?.toString() ?? null, absent: read('absent.txt') });
    const a = await withFactCache(req, count, env);
    expect(a).toMatchObject({ cache: 'miss', facts: { a: 'a', absent: null } });
    expect((await withFactCache(req, count, env)).cache).toBe('hit');
    expect((await withFactCache({ ...req, version: '2' }, count, env)).cache).toBe('miss');
    expect((await withFactCache({ ...req, code: 'y' }, count, env)).cache).toBe('miss');
    expect((await withFactCache({ ...req, inputs: { dir: 'other' } }, count, env)).cache).toBe('miss');
    // The absent file appears: another key.
    writeFileSync(path.join(dir, 'absent.txt'), 'now here');
    expect(await withFactCache(req, count, env)).toMatchObject({ cache: 'miss', facts: { absent: Buffer.from('now here') } });
    await expect(withFactCache({ ...req, files: [] }, count, env)).rejects.toThrow(/read a\.txt, which is not among its declared inputs/);
    // No code identity (a source of the collector unreadable): never cached.
    expect((await withFactCache({ ...req, code: null }, count, env)).cache).toBe('off');
  });
});

describe('the fact cache of the design collector', () => {
  it('gives the facts of a fresh run on the real catalog, and misses when an artifact file or the artifacts asked about change', async () => {
    const { dir, env } = sandbox();
    const catalog = await loadCatalog(root);
    const wanted: WantedArtifact[] = catalog.controls.flatMap((c) => c.artifacts.map((a) => ({ control: c.id, ...a })));
    // The artifacts under platform/ (the sandbox holds only platform/), plus one that is absent.
    const mine = [...wanted.filter((a) => a.file.startsWith('platform/')), { control: 'c', file: 'platform/nowhere.ts', symbol: 'x' }];
    expect(mine.some((a) => a.symbol)).toBe(true);
    const fresh = designFacts(dir, mine);
    const first = await designFactsCached(dir, mine, env);
    expect(first.cache).toBe('miss');
    expect(first.facts).toEqual(fresh);
    const second = await designFactsCached(dir, mine, env);
    expect(second.cache).toBe('hit');
    expect(second.facts).toEqual(fresh);

    // The exported symbol renamed away: a miss, and the artifact is no longer found.
    const withSymbol = mine.find((a) => a.symbol && a.file !== 'platform/nowhere.ts')!;
    const file = path.join(dir, withSymbol.file);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll(withSymbol.symbol!, `${withSymbol.symbol}Renamed`));
    const edited = await designFactsCached(dir, mine, env);
    expect(edited.cache).toBe('miss');
    expect(edited.facts).toEqual(designFacts(dir, mine));
    expect(edited.facts.artifacts.find((a) => a.file === withSymbol.file && a.symbol === withSymbol.symbol)?.found).toBe(false);

    // Another artifact asked about: a miss.
    const more = [...mine, { control: 'd', file: withSymbol.file, symbol: `${withSymbol.symbol}Renamed` }];
    const asked = await designFactsCached(dir, more, env);
    expect(asked.cache).toBe('miss');
    expect(asked.facts).toEqual(designFacts(dir, more));

    // The absent file created: a miss.
    writeFileSync(path.join(dir, 'platform', 'nowhere.ts'), 'export const x = 1;\n');
    const created = await designFactsCached(dir, more, env);
    expect(created.cache).toBe('miss');
    expect(created.facts.artifacts.find((a) => a.file === 'platform/nowhere.ts')?.found).toBe(true);
  });
});
