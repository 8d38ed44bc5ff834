/**
 * Worker thread side of verify-thread.ts: joins the coordinating transaction's snapshot
 * on a connection of its own, read-only, and verifies its seq range.
 */
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';
import { verifyRange } from './verify.ts';
import type { RangeJob, RangeReply } from './verify-thread.ts';

const job = workerData as RangeJob;
let reply: RangeReply;
const client = new pg.Client({ connectionString: job.connectionString });
try {
  await client.connect();
  await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${job.snapshot.replace(/'/g, "''")}'`);
  const part = await verifyRange(client, job.from, job.to, null);
  await client.query('COMMIT');
  reply = { part };
} catch (e) {
  reply = { error: { message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack } };
} finally {
  await client.end().catch(() => {});
}
parentPort!.postMessage(reply);
