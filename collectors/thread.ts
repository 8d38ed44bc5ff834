/**
 * Runs file collectors in a worker thread (collectors/worker.ts). On a two-core machine
 * the code collector's TypeScript parsing then overlaps the database collectors instead
 * of following them.
 */
import { startThread } from '../platform/threads.ts';
import type { Catalog } from '../controls/types.ts';
import type { CollectorContext } from './types.ts';

export type ThreadBase = Pick<CollectorContext, 'root' | 'now' | 'options'>;

/** What the worker posts, once per collector. */
export type ThreadMessage =
  | { id: string; facts: unknown }
  | { id: string; error: { message: string; stack?: string } };

export interface CollectorThread {
  /** The raw facts of one collector, or its error. */
  result(id: string): Promise<unknown>;
  /** Hands the loaded catalog to the collectors that declared `needsCatalog`. */
  sendCatalog(catalog: Catalog): void;
  /** Ends the thread (idempotent). */
  stop(): Promise<void>;
}

export function startCollectorThread(ids: string[], base: ThreadBase): CollectorThread {
  const worker = startThread('collector-worker', new URL('./worker.ts', import.meta.url), { ids, base });
  const waiting = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const settled = new Map<string, { ok: true; value: unknown } | { ok: false; error: Error }>();
  const settle = (id: string, r: { ok: true; value: unknown } | { ok: false; error: Error }) => {
    if (settled.has(id)) return;
    settled.set(id, r);
    const w = waiting.get(id);
    if (w) r.ok ? w.resolve(r.value) : w.reject(r.error);
  };
  const failAll = (error: Error) => { for (const id of ids) settle(id, { ok: false, error }); };
  worker.on('message', (m: ThreadMessage) => {
    if ('facts' in m) return settle(m.id, { ok: true, value: m.facts });
    const error = new Error(m.error.message);
    if (m.error.stack) error.stack = m.error.stack;
    settle(m.id, { ok: false, error });
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`collector thread exited (code ${code}) before it reported`)));
  return {
    result(id) {
      const r = settled.get(id);
      if (r) return r.ok ? Promise.resolve(r.value) : Promise.reject(r.error);
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
    sendCatalog(catalog) {
      worker.postMessage({ catalog });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
