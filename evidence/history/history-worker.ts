/**
 * Worker thread side of history-thread.ts: computes the history the site will show
 * (historyForSite) and posts it once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toThreadError } from '../../platform/kernel/threads.ts';
import { historyForSite } from './published.ts';

const { bundleDir, logDir } = workerData as { bundleDir: string; logDir: string };
try {
  parentPort!.postMessage({ history: historyForSite(bundleDir, logDir) });
} catch (e) {
  parentPort!.postMessage({ error: toThreadError(e) });
}
