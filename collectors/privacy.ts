/**
 * The privacy collector: deletion requests against their 30-day due date, the
 * retention configuration and the rows each rule should already have removed, the
 * retention and purge jobs and when each last succeeded, and the age of the operator
 * access log. Ages are measured from the run's clock (`ctx.now`), never the wall clock.
 */
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const PrivacyFactsSchema = z.object({
  retention: z.object({
    file: z.string(),
    purgeWithinDays: z.number().int(),
    keptAfterPurge: z.array(z.string()),
    /** Per rule: rows older than keep_days at the run's time (the job should have removed them). */
    rules: z.array(z.object({ table: z.string(), timestampColumn: z.string(), keepDays: z.number().int(), rows: z.number().int(), expiredRows: z.number().int() })),
  }),
  deletionRequests: z.object({
    total: z.number().int(),
    open: z.number().int(),
    /** Open past due_at. */
    overdue: z.number().int(),
    /** Completed after due_at. */
    completedLate: z.number().int(),
    /** Longest request-to-completion time, in days. */
    maxDaysToComplete: z.number().nullable(),
    /** Requests whose due_at is not requested_at + purgeWithinDays. */
    dueDateMismatch: z.number().int(),
  }),
  jobs: z.array(z.object({
    job: z.string(),
    runs: z.number().int(),
    lastStatus: z.string(),
    /** Hours between the last successful finish and the run's time; null if never succeeded. */
    hoursSinceLastSuccess: z.number().nullable(),
  })),
  adminAccessLog: z.object({ rows: z.number().int(), oldestAgeDays: z.number().nullable() }),
});
export type PrivacyFacts = z.output<typeof PrivacyFactsSchema>;

const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';

export default defineCollector({
  id: 'privacy',
  version: '1.0.0',
  description: 'Deletion requests against their due dates, retention rules and expired rows, retention job runs, and the age of the operator access log.',
  needsDatabase: true,
  facts: PrivacyFactsSchema,
  async collect(ctx) {
    const { loadRetentionConfig } = await import('../platform/privacy/retention-config.ts');
    const file = path.join(ctx.root, 'platform', 'config', 'retention.yaml');
    const config = loadRetentionConfig(file);
    const now = ctx.now.toISOString();
    const days = config.account_deletion.purge_within_days;
    const [dr] = await ctx.sql<Record<string, string | null>>(`
      SELECT count(*) AS total, count(*) FILTER (WHERE completed_at IS NULL) AS open,
             count(*) FILTER (WHERE completed_at IS NULL AND due_at < $1::timestamptz) AS overdue,
             count(*) FILTER (WHERE completed_at > due_at) AS completed_late,
             round((max(extract(epoch FROM completed_at - requested_at)) / 86400)::numeric, 2) AS max_days,
             count(*) FILTER (WHERE due_at <> requested_at + make_interval(days => $2)) AS due_mismatch
        FROM deletion_requests`, [now, days]);
    const jobs = await ctx.sql<{ job: string; runs: string; last_status: string; hours: string | null }>(`
      SELECT job, count(*) AS runs,
             (array_agg(status ORDER BY started_at DESC, id DESC))[1] AS last_status,
             round((extract(epoch FROM $1::timestamptz - max(finished_at) FILTER (WHERE status = 'succeeded')) / 3600)::numeric, 2) AS hours
        FROM job_runs GROUP BY job ORDER BY job COLLATE "C"`, [now]);
    const [log] = await ctx.sql<{ rows: string; oldest_days: string | null }>(`
      SELECT count(*) AS rows, round((extract(epoch FROM $1::timestamptz - min(started_at)) / 86400)::numeric, 2) AS oldest_days
        FROM admin_access_log`, [now]);
    const rules = config.rules.length
      ? await ctx.sql<{ i: number; rows: string; expired: string }>(config.rules.map((r, i) => `
          SELECT ${i} AS i, count(*) AS rows,
                 count(*) FILTER (WHERE ${ident(r.timestamp_column)} < $1::timestamptz - make_interval(days => ${r.keep_days})) AS expired
            FROM ${ident(r.table)}`).join(' UNION ALL ') + ' ORDER BY i', [now])
      : [];
    return {
      retention: {
        file: path.relative(ctx.root, file),
        purgeWithinDays: days,
        keptAfterPurge: config.account_deletion.kept_after_purge.map((k) => k.table).sort(),
        rules: config.rules.map((r, i) => {
          const row = rules.find((x) => Number(x.i) === i)!;
          return { table: `public.${r.table}`, timestampColumn: r.timestamp_column, keepDays: r.keep_days, rows: Number(row.rows), expiredRows: Number(row.expired) };
        }),
      },
      deletionRequests: {
        total: Number(dr.total),
        open: Number(dr.open),
        overdue: Number(dr.overdue),
        completedLate: Number(dr.completed_late),
        maxDaysToComplete: dr.max_days === null ? null : Number(dr.max_days),
        dueDateMismatch: Number(dr.due_mismatch),
      },
      jobs: jobs.map((j) => ({ job: j.job, runs: Number(j.runs), lastStatus: j.last_status, hoursSinceLastSuccess: j.hours === null ? null : Number(j.hours) })),
      adminAccessLog: { rows: Number(log.rows), oldestAgeDays: log.oldest_days === null ? null : Number(log.oldest_days) },
    };
  },
});
