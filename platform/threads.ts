/**
 * Worker threads for CPU-bound work the CLI can overlap with waiting on the database
 * (collectors/thread.ts, evidence/report/pdf-thread.ts).
 *
 * A thread's entry is the compiled bundle's chunk when the CLI runs from one
 * (evidence/cli/bundle.mjs lists the entries), otherwise the TypeScript source, loaded
 * through tsx as in tests.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Set by evidence/cli/bin.mjs when it runs the compiled bundle. */
const BUNDLE_DIR = Symbol.for('trust.cli.bundleDir');

/**
 * Starts a worker on `entry` (a key of the bundle's entries) or, outside the bundle, on
 * `source` (the same module as a TypeScript file URL).
 */
export function startThread(entry: string, source: URL, workerData: unknown): Worker {
  const bundle = (globalThis as Record<symbol, unknown>)[BUNDLE_DIR];
  if (typeof bundle === 'string') return new Worker(path.join(bundle, `${entry}.js`), { workerData });
  // Loader hooks given as --import do not apply to a worker's own entry on Node 20: the
  // worker registers tsx itself, then imports the TypeScript.
  const boot = `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** tsx's ESM API, resolved through its package exports from here, whatever the cwd. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const exports = (require(manifest) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}
