// The CLI's TypeScript, compiled once into plain ESM chunks under
// node_modules/.cache/trust-cli/ and rebuilt whenever a source file changes.
//
// Why: loading some 180 TypeScript modules one by one through tsx's loader hooks costs
// about 0.3 s on every run, a sixth of the gate's whole budget on a large platform.
// One esbuild pass (about 0.2 s) turns them into a few chunks Node loads directly.
//
// Freshness is checked the way make does it: every input's size and mtime, as recorded
// by the build's metafile, must still match (about 2 ms of stat calls). Builds go to
// a new directory and the manifest is swapped atomically, so concurrent runs never
// see a half-written bundle. Any failure here falls back to tsx: the bundle is an
// optimisation, never a requirement.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'trust-cli');
/** Bumped when the build below changes in a way that old bundles must not be reused. */
const FORMAT = 1;
/** Entry points, by output name: the CLI and the threads it starts. */
export const ENTRIES = {
  main: 'evidence/cli/main.ts',
  'collector-worker': 'collectors/worker.ts',
  'pdf-worker': 'evidence/report/pdf-worker.ts',
  'history-worker': 'evidence/history/history-worker.ts',
  'period-pdf-worker': 'evidence/report/period-pdf-worker.ts',
  'verify-worker': 'platform/audit/verify-worker.ts',
  // For the benchmarks' child processes (test/bench/child/), which run the code the way the CLI does.
  'site-build': 'evidence/site/build.ts',
  'audit-verify': 'platform/audit/verify.ts',
};

function fresh(cache, manifest) {
  if (manifest?.format !== FORMAT || manifest.node !== process.version) return false;
  if (!existsSync(path.join(cache, manifest.dir))) return false;
  for (const [rel, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    let st;
    try {
      st = statSync(path.join(ROOT, rel));
    } catch {
      return false;
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

function readManifest(cache) {
  try {
    return JSON.parse(readFileSync(path.join(cache, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

// Each module keeps its own location: several find files next to themselves
// (migrations, platform/config/*.yaml) through import.meta.url.
const keepImportMeta = {
  name: 'keep-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      if (contents.includes('import.meta.')) {
        contents = contents
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
      }
      return { contents, loader: 'ts' };
    });
  },
};

async function build(cache) {
  const esbuild = await import('esbuild');
  const dir = `b-${Date.now().toString(36)}-${process.pid}`;
  const outdir = path.join(cache, dir);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(ENTRIES).map(([out, input]) => ({ in: input, out })),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [keepImportMeta],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = {};
  for (const rel of Object.keys(result.metafile.inputs)) {
    const st = statSync(path.join(ROOT, rel));
    inputs[rel] = [st.size, st.mtimeMs];
  }
  // This file shapes the output too.
  const self = fileURLToPath(import.meta.url);
  const st = statSync(self);
  inputs[path.relative(ROOT, self)] = [st.size, st.mtimeMs];
  const manifest = { format: FORMAT, node: process.version, dir, inputs };
  const file = path.join(cache, 'manifest.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest));
  renameSync(tmp, file);
  removeStale(cache, dir);
  return manifest;
}

// Older builds are left for an hour: a run that started on one may still load its chunks.
function removeStale(cache, keep) {
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync(cache)) {
    if (!name.startsWith('b-') || name === keep) continue;
    const p = path.join(cache, name);
    try {
      if (statSync(p).mtimeMs < hourAgo) rmSync(p, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

/**
 * The directory of an up-to-date bundle (built now if needed), or null when it cannot be
 * built here or TRUST_NO_BUNDLE is set; the caller then runs the sources through tsx.
 */
export async function bundleDir({ cache = CACHE } = {}) {
  if (process.env.TRUST_NO_BUNDLE) return null;
  try {
    let manifest = readManifest(cache);
    if (!fresh(cache, manifest)) {
      mkdirSync(cache, { recursive: true });
      manifest = await build(cache);
    }
    return path.join(cache, manifest.dir);
  } catch {
    return null;
  }
}

const BUNDLE_DIR = Symbol.for('trust.cli.bundleDir');

/** Remembers where the running bundle lives, for code that starts worker threads. */
export function setRunningBundle(dir) {
  globalThis[BUNDLE_DIR] = dir;
}

/**
 * Imports one entry (a key of ENTRIES) from an up-to-date bundle and marks that bundle as
 * the running one; null when there is no bundle (see bundleDir).
 */
export async function importBundled(entry) {
  const dir = await bundleDir();
  if (!dir) return null;
  setRunningBundle(dir);
  return import(pathToFileURL(path.join(dir, `${entry}.js`)).href);
}
