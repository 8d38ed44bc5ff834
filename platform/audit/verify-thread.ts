/**
 * A worker thread for parallel chain verification (verify-ranges.ts): it joins the coordinating
 * transaction's snapshot on a connection of its own (verify-worker.ts) and verifies the
 * seq ranges it is handed, one at a time.
 */
import { inOrderReplies, startThread, type ThreadError } from '../kernel/threads.ts';
import type { RangeResult } from './verify-ranges.ts';

export interface RangeWorkerSetup {
  connectionString: string;
  /** Exported by the coordinating transaction (pg_export_snapshot()). */
  snapshot: string;
}

export type RangeRequest = { from: number; to: number } | { close: true };
export type RangeReply = { ready: true } | { part: RangeResult } | { closed: true } | { error: ThreadError };

export interface RangeWorker {
  /** Settles once the worker is connected in the snapshot (rejects when it cannot be). */
  ready: Promise<void>;
  verify(from: number, to: number): Promise<RangeResult>;
  /** Ends its transaction and connection, then the thread. */
  close(): Promise<void>;
}

export function startRangeWorker(setup: RangeWorkerSetup): RangeWorker {
  const worker = startThread('verify-worker', new URL('./verify-worker.ts', import.meta.url), setup);
  const next = inOrderReplies<RangeReply>(worker, 'audit verification thread');
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
