/**
 * One seq range of a parallel chain verification (verify.ts), on a worker thread with
 * its own connection in the shared snapshot (verify-worker.ts).
 */
import { startThread } from '../threads.ts';
import type { RangeResult } from './verify.ts';

export interface RangeJob {
  connectionString: string;
  /** Exported by the coordinating transaction (pg_export_snapshot()). */
  snapshot: string;
  from: number;
  to: number;
}

export type RangeReply = { part: RangeResult } | { error: { message: string; stack?: string } };

export function runVerifyWorker(job: RangeJob): Promise<RangeResult> {
  const worker = startThread('verify-worker', new URL('./verify-worker.ts', import.meta.url), job);
  return new Promise<RangeResult>((resolve, reject) => {
    worker.once('message', (m: RangeReply) => {
      if ('part' in m) return resolve(m.part);
      const e = new Error(m.error.message);
      if (m.error.stack) e.stack = m.error.stack;
      reject(e);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`audit verification thread exited (code ${code}) before it reported`)));
  }).finally(() => worker.terminate());
}
