/**
 * Worker threads for CPU-bound work the CLI can overlap with waiting on the database
 * (collectors/thread.ts, evidence/report/pdf-thread.ts, platform/audit/verify-thread.ts).
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

/** An error as it crosses a thread boundary (an Error's class does not survive structured clone). */
export interface ThreadError {
  message: string;
  stack?: string;
}

/** What a worker posts for an error it caught. */
export function toThreadError(e: unknown): ThreadError {
  return { message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack };
}

/** The Error a thread reported, with the thread's stack. */
export function fromThreadError(t: ThreadError): Error {
  const e = new Error(t.message);
  if (t.stack) e.stack = t.stack;
  return e;
}

/**
 * For a worker that answers every message with one reply, in order: `next()` is the
 * reply to the message posted right after calling it. A reply `{ error }` rejects it, as
 * do the thread failing or exiting, for this reply and all later ones.
 */
export function inOrderReplies<R extends object>(worker: Worker, what: string): () => Promise<Exclude<R, { error: ThreadError }>> {
  type Ok = Exclude<R, { error: ThreadError }>;
  const waiters: { resolve(m: Ok): void; reject(e: Error): void }[] = [];
  let gone: Error | null = null;
  const failAll = (e: Error) => {
    gone ??= e;
    for (const w of waiters.splice(0)) w.reject(e);
  };
  worker.on('message', (m: R) => {
    const w = waiters.shift();
    if (!w) return;
    if ('error' in m) w.reject(fromThreadError((m as { error: ThreadError }).error));
    else w.resolve(m as Ok);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`${what} exited (code ${code}) before it replied`)));
  return () => (gone ? Promise.reject(gone) : new Promise<Ok>((resolve, reject) => waiters.push({ resolve, reject })));
}
