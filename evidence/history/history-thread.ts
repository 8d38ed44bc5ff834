/**
 * The site's evidence history computed on a worker thread (history-worker.ts) while Astro loads
 * and compiles, so the pages find it ready instead of reading and judging the whole log
 * themselves. Reading a 90-day log of 200 controls takes seconds; Astro's compile takes longer,
 * on the other core. Anything that goes wrong here only means the pages compute it themselves.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startThread, type ThreadError } from '../../platform/kernel/threads.ts';
import type { PrecomputedHistory } from './published.ts';

export interface HistoryThread {
  /** The history, or null (no log, a failure: the site then computes it itself). */
  result: Promise<PrecomputedHistory | null>;
  stop(): Promise<void>;
}

export function startHistoryThread(bundleDir: string, logDir: string): HistoryThread {
  // A compiled CLI bundle built before this thread existed has no chunk for it: no thread then.
  const bundle = (globalThis as Record<symbol, unknown>)[Symbol.for('trust.cli.bundleDir')];
  if (typeof bundle === 'string' && !existsSync(path.join(bundle, 'history-worker.js'))) return { result: Promise.resolve(null), stop: async () => {} };
  const worker = startThread('history-worker', new URL('./history-worker.ts', import.meta.url), { bundleDir, logDir });
  worker.unref(); // it must never keep the process alive on its own
  const result = new Promise<PrecomputedHistory | null>((resolve) => {
    // A failure here is not reported: the pages then compute the history themselves, and fail as loudly as it deserves.
    worker.once('message', (m: { history: PrecomputedHistory | null } | { error: ThreadError }) => resolve('error' in m ? null : m.history));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return {
    result,
    stop: async () => {
      await worker.terminate();
    },
  };
}
