/**
 * A worker thread for parallel chain verification (verify.ts): it joins the coordinating
 * transaction's snapshot on a connection of its own (verify-worker.ts) and verifies the
 * seq ranges it is handed, one at a time.
 */
import { startThread } from '../threads.ts';
import type { RangeResult } from './verify.ts';

export interface RangeWorkerSetup {
  connectionString: string;
  /** Exported by the coordinating transaction (pg_export_snapshot()). */
  snapshot: string;
}

export type RangeRequest = { from: number; to: number } | { close: true };
export type RangeReply = { ready: true } | { part: RangeResult } | { closed: true } | { error: { message: string; stack?: string } };

export interface RangeWorker {
  /** Settles once the worker is connected in the snapshot (rejects when it cannot be). */
  ready: Promise<void>;
  verify(from: number, to: number): Promise<RangeResult>;
  /** Ends its transaction and connection, then the thread. */
  close(): Promise<void>;
}

export function startRangeWorker(setup: RangeWorkerSetup): RangeWorker {
  const worker = startThread('verify-worker', new URL('./verify-worker.ts', import.meta.url), setup);
  // Replies come in request order: the first waiter is the one answered.
  const waiters: { resolve(m: RangeReply): void; reject(e: Error): void }[] = [];
  let gone: Error | null = null;
  const next = () => (gone ? Promise.reject(gone) : new Promise<RangeReply>((resolve, reject) => waiters.push({ resolve, reject })));
  const failAll = (e: Error) => {
    gone ??= e;
    for (const w of waiters.splice(0)) w.reject(e);
  };
  worker.on('message', (m: RangeReply) => {
    const w = waiters.shift();
    if (!w) return;
    if ('error' in m) {
      const e = new Error(m.error.message);
      if (m.error.stack) e.stack = m.error.stack;
      w.reject(e);
    } else {
      w.resolve(m);
    }
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`audit verification thread exited (code ${code}) before it replied`)));
  const ready = next().then(() => undefined);
  ready.catch(() => {}); // the caller decides what a worker that never started means
  return {
    ready,
    async verify(from, to) {
      const reply = next();
      worker.postMessage({ from, to } satisfies RangeRequest);
      return ((await reply) as { part: RangeResult }).part;
    },
    async close() {
      try {
        const reply = next();
        worker.postMessage({ close: true } satisfies RangeRequest);
        await reply;
      } finally {
        await worker.terminate();
      }
    },
  };
}
