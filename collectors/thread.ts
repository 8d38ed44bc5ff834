/**
 * Runs file collectors in a worker thread (collectors/worker.ts). On a two-core machine
 * the code collector's TypeScript parsing then overlaps the database collectors instead
 * of following them.
 */
import { fromThreadError, startThread, type ThreadError } from '../platform/kernel/threads.ts';
import type { CatalogData } from '../platform/kernel/catalog-data.ts';
import type { CollectorContext } from './types.ts';

export type ThreadBase = Pick<CollectorContext, 'root' | 'now' | 'options'>;

/** What the worker posts, once per collector. */
export type ThreadMessage = { id: string; facts: unknown; ms: number } | { id: string; error: ThreadError };

export interface CollectorThread {
  /** The raw facts of one collector and how long it took, or its error. */
  result(id: string): Promise<{ raw: unknown; ms: number }>;
  /** Hands the loaded catalog to the collectors that declared `needsCatalog`. */
  sendCatalog(catalog: CatalogData): void;
  /** Ends the thread (idempotent). */
  stop(): Promise<void>;
}

export function startCollectorThread(ids: string[], base: ThreadBase): CollectorThread {
  const worker = startThread('collector-worker', new URL('./worker.ts', import.meta.url), { ids, base });
  // One promise per collector, settled by its message (or by the thread dying first).
  type Outcome = { raw: unknown; ms: number };
  const outcomes = new Map<string, { promise: Promise<Outcome>; resolve(v: Outcome): void; reject(e: Error): void }>();
  for (const id of ids) {
    let resolve!: (v: Outcome) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Outcome>((a, b) => {
      resolve = a;
      reject = b;
    });
    promise.catch(() => {}); // awaited through result()
    outcomes.set(id, { promise, resolve, reject });
  }
  const failAll = (error: Error) => {
    for (const o of outcomes.values()) o.reject(error);
  };
  worker.on('message', (m: ThreadMessage) => {
    const o = outcomes.get(m.id);
    if (!o) return;
    if ('facts' in m) return o.resolve({ raw: m.facts, ms: m.ms });
    o.reject(fromThreadError(m.error));
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`collector thread exited (code ${code}) before it reported`)));
  return {
    result(id) {
      return outcomes.get(id)?.promise ?? Promise.reject(new Error(`collector ${id} was not given to the thread`));
    },
    sendCatalog(catalog) {
      worker.postMessage({ catalog });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
