/**
 * Platform jobs (retention, purge, key rotation) act across accounts. They run here:
 * each run is a `job_runs` row a collector can see, and the accounts they act for are
 * listed explicitly (every account) rather than bypassing row-level security.
 */
import type pg from 'pg';

/** Every account id, read outside any tenant's transaction (migration 0310: accounts is row-level secured). */
export async function allAccountIds(pool: pg.Pool): Promise<string[]> {
  const r = await pool.query<{ id: string }>(`SELECT id FROM platform_account_ids() AS id`);
  return r.rows.map((x) => x.id);
}

export interface JobContext {
  runId: string;
  /** Adds to rows_affected. */
  count(n: number): void;
  detail(key: string, value: unknown): void;
}

export async function recordJobRun<T>(pool: pg.Pool, job: string, fn: (ctx: JobContext) => Promise<T>): Promise<T> {
  const start = await pool.query<{ id: string }>(`INSERT INTO job_runs (job, started_at) VALUES ($1, clock_timestamp()) RETURNING id`, [job]);
  const runId = start.rows[0].id;
  let rows = 0;
  const details: Record<string, unknown> = {};
  try {
    const result = await fn({ runId, count: (n) => void (rows += n), detail: (k, v) => void (details[k] = v) });
    await pool.query(`UPDATE job_runs SET finished_at = clock_timestamp(), status = 'succeeded', rows_affected = $2, details = $3 WHERE id = $1`, [runId, rows, JSON.stringify(details)]);
    return result;
  } catch (e) {
    details.error = (e as Error).message.split('\n')[0].slice(0, 300);
    await pool.query(`UPDATE job_runs SET finished_at = clock_timestamp(), status = 'failed', rows_affected = $2, details = $3 WHERE id = $1`, [runId, rows, JSON.stringify(details)]).catch(() => {});
    throw e;
  }
}
