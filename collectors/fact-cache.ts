/**
 * A content-addressed cache of a file collector's facts (a speed trick, off with
 * TRUST_FACT_CACHE=0).
 *
 * The code and design collectors parse TypeScript with the compiler bundled with ts-morph;
 * loading that compiler alone costs about a second of CPU on every gate, although the
 * files it reads rarely change between runs. Their facts depend only on the bytes of the
 * files they read, the artifacts they are asked about and their own code, so they are kept
 * under a key that is the SHA-256 of all of these:
 *
 * - the collector's id and version, the SHA-256 of its own source modules and the versions
 *   of the libraries that shape its facts (ts-morph and the compiler it bundles);
 * - every other input the caller names (for the design collector, the artifacts wanted);
 * - the repository-relative path and the SHA-256 of the bytes of EVERY file it reads (or
 *   that a file is absent).
 *
 * Any change to any input gives another key, so a stale entry is never found: it is not
 * trusted, it is simply not looked up. On a miss the facts are computed from the very bytes
 * that were hashed (the compute function reads through the cache, never the disk again), so
 * an entry can never describe other bytes than its key. Entries live under
 * `<TRUST_DATA_DIR|root/.data>/cache/facts/<collector>/<key>.json`, are written atomically,
 * and an entry that cannot be read or parsed, or whose recorded key differs, counts as a
 * miss. The runner validates cached facts with the collector's schema like fresh ones.
 * test/collectors/fact-cache.test.ts proves cached facts equal fresh facts and that editing,
 * adding or removing a file, or changing an artifact, misses.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trickEnabled } from '../platform/kernel/switches.ts';

/** Entries kept per collector (the newest by modification time); older ones are removed. */
const KEEP = 8;

/**
 * TRUST_FACT_CACHE=0 (or off/false/no) turns the cache off: every run computes its facts.
 * Entries are not signed: whoever can write the data directory could plant facts under the
 * right key. On a developer's machine that directory is as trusted as the keys beside it; on
 * CI (`CI` set) it may be restored from another branch's cache, so there the cache is off
 * unless TRUST_FACT_CACHE says otherwise.
 */
export function factCacheEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.TRUST_FACT_CACHE === undefined && env.CI) return false;
  return trickEnabled('TRUST_FACT_CACHE', env);
}

export function factCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.TRUST_DATA_DIR ?? path.join(root, '.data'), 'cache', 'facts');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * What identifies the code that computes the facts: the SHA-256 of the given source modules
 * (the collector and what it imports for its facts) and the versions of ts-morph and its
 * bundled compiler. Null when a source cannot be read: then nothing is cached.
 */
export function codeIdentity(modules: string[], packages: string[] = []): string | null {
  try {
    const require = createRequire(import.meta.url);
    const versions = ['ts-morph', '@ts-morph/common', ...packages].map((p) => `${p}@${(require(`${p}/package.json`) as { version: string }).version}`);
    const here = path.dirname(fileURLToPath(import.meta.url));
    const sources = modules.map((m) => `${m}:${sha256(readFileSync(path.join(here, m)))}`);
    return [...versions, ...sources].join('\n');
  } catch {
    return null;
  }
}

/** Reads the inputs: file bytes as hashed (null: absent). Other errors (unreadable file) propagate. */
export type ReadInput = (rel: string) => Buffer | null;

export interface FactCacheRequest {
  root: string;
  collector: string;
  version: string;
  /** codeIdentity(...) of the modules that compute the facts; null: do not cache. */
  code: string | null;
  /** Other inputs (JSON-serialisable), such as the artifacts asked about. */
  inputs?: unknown;
  /** Every file, repository-relative with '/', that the computation may read. */
  files: string[];
}

export interface FactCacheOutcome<T> {
  facts: T;
  /** hit: read from the cache; miss: computed and stored; off: computed, cache disabled or unusable. */
  cache: 'hit' | 'miss' | 'off';
  key: string | null;
}

/** The inputs read as bytes, and where the entry for them is (null when the cache is off). */
function prepare(req: FactCacheRequest, env: NodeJS.ProcessEnv) {
  const bytes = new Map<string, Buffer | null>();
  for (const rel of [...new Set(req.files)].sort()) {
    let data: Buffer | null;
    try {
      data = readFileSync(path.join(req.root, rel));
    } catch (e) {
      // Absent (ENOENT, as existsSync sees it) is an input like any other; any other error
      // (unreadable, a directory) is the collector's to report.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      data = null;
    }
    bytes.set(rel, data);
  }
  const read: ReadInput = (rel) => {
    if (!bytes.has(rel)) throw new Error(`fact cache: ${req.collector} read ${rel}, which is not among its declared inputs`);
    return bytes.get(rel)!;
  };
  if (!factCacheEnabled(env) || req.code === null) return { read, entry: null };
  const h = createHash('sha256');
  h.update(`trust fact cache 1\n${req.collector}\n${req.version}\n${req.code}\n${JSON.stringify(req.inputs ?? null)}\n`);
  for (const [rel, data] of bytes) h.update(`${rel}\0${data === null ? 'absent' : sha256(data)}\n`);
  const key = h.digest('hex');
  const dir = path.join(factCacheDir(req.root, env), req.collector);
  return { read, entry: { key, dir, file: path.join(dir, `${key}.json`) } };
}

/** The stored facts under `key`, or undefined (no entry, an unreadable one, or another key inside). */
function readEntry<T>(file: string, key: string): T | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; facts?: T };
    if (entry.key === key && entry.facts !== undefined) return entry.facts;
  } catch {
    // No entry, or an unreadable one: a miss.
  }
  return undefined;
}

/**
 * The facts for these exact inputs: from the cache when an entry has this key, else
 * computed by `compute` (which must read files only through `read`, and only those listed
 * in `files`) and stored.
 */
export async function withFactCache<T>(req: FactCacheRequest, compute: (read: ReadInput) => T | Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<FactCacheOutcome<T>> {
  const { read, entry } = prepare(req, env);
  if (!entry) return { facts: await compute(read), cache: 'off', key: null };
  const cached = readEntry<T>(entry.file, entry.key);
  if (cached !== undefined) return { facts: cached, cache: 'hit', key: entry.key };
  const facts = await compute(read);
  store(entry.dir, entry.file, JSON.stringify({ key: entry.key, collector: req.collector, version: req.version, facts }));
  return { facts, cache: 'miss', key: entry.key };
}

/**
 * The facts the cache holds for these exact inputs, or undefined: nothing is computed. The
 * collector runner asks this on its own thread and starts a collector thread only on a miss.
 */
export function lookupFactCache<T>(req: FactCacheRequest, env: NodeJS.ProcessEnv = process.env): T | undefined {
  const { entry } = prepare(req, env);
  return entry ? readEntry<T>(entry.file, entry.key) : undefined;
}

/** Writes atomically; a cache that cannot be written is no error (the facts are computed). */
function store(dir: string, file: string, text: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    const entries = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => ({ n, t: statSync(path.join(dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const e of entries.slice(KEEP)) rmSync(path.join(dir, e.n), { force: true });
  } catch {
    // Read-only data directory, full disk, a concurrent prune: the next run computes again.
  }
}
