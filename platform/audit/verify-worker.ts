/**
 * Worker thread side of verify-thread.ts: joins the coordinating transaction's snapshot
 * on a connection of its own, read-only, then verifies each seq range it is sent.
 */
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import { toThreadError } from '../kernel/threads.ts';
import { verifyRange } from './verify-ranges.ts';
import type { RangeReply, RangeRequest, RangeWorkerSetup } from './verify-thread.ts';

const setup = workerData as RangeWorkerSetup;
const port = parentPort!;
const reply = (m: RangeReply) => port.postMessage(m);
const failure = (e: unknown): RangeReply => ({ error: toThreadError(e) });

const client = new pg.Client({ connectionString: setup.connectionString });
let queue = Promise.resolve();
try {
  await client.connect();
  await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${setup.snapshot.replace(/'/g, "''")}'`);
  port.on('message', (m: RangeRequest) => {
    queue = queue.then(async () => {
      if ('close' in m) {
        await client.query('COMMIT').catch(() => {});
        await client.end().catch(() => {});
        reply({ closed: true });
        port.close();
        return;
      }
      try {
        reply({ part: await verifyRange(client, m.from, m.to, null) });
      } catch (e) {
        reply(failure(e));
      }
    });
  });
  reply({ ready: true });
} catch (e) {
  await client.end().catch(() => {});
  reply(failure(e));
  port.close();
}
