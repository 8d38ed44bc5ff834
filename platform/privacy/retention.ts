/** Periodic retention: deletes rows older than platform/config/retention.yaml allows; each rule is one job_runs row. */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { accountTables } from './account-tables.ts';
import { allAccountIds, recordJobRun } from './job-runs.ts';
import { loadRetentionConfig, type RetentionConfig } from './retention-config.ts';
import { quoteIdent } from '../db/quote-ident.ts';

export async function runRetentionJobs(pool: pg.Pool, opts: { config?: RetentionConfig } = {}): Promise<Record<string, number>> {
  const config = opts.config ?? loadRetentionConfig();
  const scoped = new Set(await accountTables(pool));
  const result: Record<string, number> = {};
  for (const rule of config.rules) {
    result[rule.table] = await recordJobRun(pool, `retention.${rule.table}`, async (job) => {
      job.detail('keep_days', rule.keep_days);
      const accounts = scoped.has(rule.table) ? await allAccountIds(pool) : [];
      const n = await withTransaction(pool, { accounts }, async (c) => {
        const r = await c.query(`DELETE FROM ${quoteIdent(rule.table)} WHERE ${quoteIdent(rule.timestamp_column)} < now() - make_interval(days => $1)`, [rule.keep_days]);
        return r.rowCount ?? 0;
      });
      job.count(n);
      return n;
    });
  }
  return result;
}
