/**
 * Worker thread side of collectors/thread.ts: runs the collectors it is given, without
 * a database, and posts each one's raw facts (checked on the main thread). Collectors
 * that read the catalog run last, once the main thread has sent it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toThreadError } from '../platform/kernel/threads.ts';
import type { CatalogData } from '../platform/kernel/catalog-data.ts';
import { COLLECTORS } from './registry.ts';
import { catalogNotDeclared } from './types.ts';
import type { ThreadBase, ThreadMessage } from './thread.ts';

const { ids, base } = workerData as { ids: string[]; base: ThreadBase };
const noDatabase = () => Promise.reject(new Error('collectors in a thread have no database'));
const catalogArrived = new Promise<CatalogData>((resolve) => {
  parentPort!.once('message', (m: { catalog: CatalogData }) => resolve(m.catalog));
});

const collectors = ids.map((id) => ({ id, c: COLLECTORS.find((x) => x.id === id) }));
for (const { id, c } of [...collectors].sort((a, b) => Number(Boolean(a.c?.needsCatalog)) - Number(Boolean(b.c?.needsCatalog)))) {
  let message: ThreadMessage;
  try {
    if (!c) throw new Error(`no collector "${id}" in the registry`);
    const catalog = c.needsCatalog ? await catalogArrived : catalogNotDeclared(id);
    const t0 = performance.now();
    const facts = await c.collect({ ...base, sql: noDatabase, catalog, progress: () => {} });
    message = { id, facts, ms: performance.now() - t0 };
  } catch (e) {
    message = { id, error: toThreadError(e) };
  }
  parentPort!.postMessage(message);
}
parentPort!.close();
