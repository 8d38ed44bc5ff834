/**
 * The privacy collector: deletion requests against their 30-day due date, the
 * retention configuration and the rows each rule should already have removed, the
 * retention and purge jobs and when each last succeeded, and the age of the operator
 * access log, witnessed by the audit chain's admin.access events. Ages are measured from the run's clock (`ctx.now`), never the wall clock.
 */
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { quoteIdent } from '../platform/db/quote-ident.ts';

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
  jobs: z.array(
    z.object({
      job: z.string(),
      runs: z.number().int(),
      lastStatus: z.string(),
      /** Hours between the last successful finish and the run's time; null if never succeeded. */
      hoursSinceLastSuccess: z.number().nullable(),
    }),
  ),
  adminAccessLog: z.object({ rows: z.number().int(), oldestAgeDays: z.number().nullable() }),
  /**
   * Rows an account still holds in tables the purge must empty (every table with an
   * account_id column not kept by retention.yaml), for each deletion request that is
   * completed or older than purge_within_days. Only non-zero counts are listed.
   */
  purgeLeftovers: z.array(z.object({ request: z.string(), account: z.string(), requestAgeDays: z.number(), completed: z.boolean(), table: z.string(), rows: z.number().int() })),
  /** Deletion requests that are completed or older than purge_within_days (the ones the leftovers are looked for). */
  purgeRequestsChecked: z.number().int(),
  /**
   * The operator access recorded in the audit chain (admin.access events, the witness) whose
   * admin_access_log row is gone: how many, and the youngest 20 with their age.
   */
  adminAccessWitness: z.object({
    events: z.number().int(),
    missingRows: z.number().int(),
    youngestMissing: z.array(z.object({ seq: z.number().int(), logId: z.string(), ageDays: z.number() })),
  }),
});
export type PrivacyFacts = z.output<typeof PrivacyFactsSchema>;

export default defineCollector({
  id: 'privacy',
  version: '1.1.0',
  description: 'Deletion requests against their due dates (and the rows a purged account still holds), retention rules and expired rows, retention job runs, and the age of the operator access log.',
  needsDatabase: true,
  facts: PrivacyFactsSchema,
  async collect(ctx) {
    const { loadRetentionConfig } = await import('../platform/privacy/retention-config.ts');
    const file = path.join(ctx.root, 'platform', 'config', 'retention.yaml');
    const config = loadRetentionConfig(file);
    const now = ctx.now.toISOString();
    const days = config.account_deletion.purge_within_days;
    const [dr] = await ctx.sql<Record<string, string | null>>(
      `
      SELECT count(*) AS total, count(*) FILTER (WHERE completed_at IS NULL) AS open,
             count(*) FILTER (WHERE completed_at IS NULL AND due_at < $1::timestamptz) AS overdue,
             count(*) FILTER (WHERE completed_at > due_at) AS completed_late,
             round((max(extract(epoch FROM completed_at - requested_at)) / 86400)::numeric, 2) AS max_days,
             count(*) FILTER (WHERE due_at <> requested_at + make_interval(days => $2)) AS due_mismatch
        FROM deletion_requests`,
      [now, days],
    );
    const jobs = await ctx.sql<{ job: string; runs: string; last_status: string; hours: string | null }>(
      `
      SELECT job, count(*) AS runs,
             (array_agg(status ORDER BY started_at DESC, id DESC))[1] AS last_status,
             round((extract(epoch FROM $1::timestamptz - max(finished_at) FILTER (WHERE status = 'succeeded')) / 3600)::numeric, 2) AS hours
        FROM job_runs GROUP BY job ORDER BY job COLLATE "C"`,
      [now],
    );
    const [log] = await ctx.sql<{ rows: string; oldest_days: string | null }>(
      `
      SELECT count(*) AS rows, round((extract(epoch FROM $1::timestamptz - min(started_at)) / 86400)::numeric, 2) AS oldest_days
        FROM admin_access_log`,
      [now],
    );
    // One query whatever the number of tables: each (request, table) count runs through
    // query_to_xml, since the table list comes from the catalog in the same statement.
    const leftovers = await ctx.sql<{ request: string | null; account: string; age: string; completed: boolean; tbl: string; rows: string; checked: string }>(
      `
      WITH req AS (
        SELECT id, account_id, round((extract(epoch FROM $1::timestamptz - requested_at) / 86400)::numeric, 2) AS age, completed_at IS NOT NULL AS completed
          FROM deletion_requests
         WHERE completed_at IS NOT NULL OR requested_at < $1::timestamptz - make_interval(days => $2)
      ), tabs AS (
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public' AND NOT c.relispartition AND NOT (c.relname = ANY ($3::text[]))
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped)
      ), counts AS (
        SELECT r.id::text AS request, r.account_id::text AS account, r.age, r.completed, t.relname::text AS tbl,
               (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I WHERE account_id = %L', t.relname, r.account_id), false, true, '')))[1]::text::bigint AS rows
          FROM req r CROSS JOIN tabs t
      )
      SELECT x.* FROM (
        SELECT c.*, (SELECT count(*) FROM req) AS checked FROM counts c WHERE c.rows > 0
        UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM req)
      ) x ORDER BY x.tbl COLLATE "C" NULLS FIRST, x.request COLLATE "C"`,
      [now, days, config.account_deletion.kept_after_purge.map((k) => k.table)],
    );
    // The audit chain is the witness of operator access: an admin.access event names its log row.
    const [access] = await ctx.sql<{ events: string; missing: string; youngest: { seq: number; log_id: string; age_days: number }[] }>(
      `
      WITH e AS (
        SELECT seq, subject_id, occurred_at FROM audit_events WHERE action = 'admin.access'
      ), m AS (
        SELECT * FROM e WHERE NOT EXISTS (SELECT 1 FROM admin_access_log l WHERE l.id::text = e.subject_id)
      )
      SELECT (SELECT count(*) FROM e) AS events, (SELECT count(*) FROM m) AS missing,
             coalesce((SELECT json_agg(json_build_object('seq', y.seq, 'log_id', y.subject_id, 'age_days', y.age) ORDER BY y.occurred_at DESC, y.seq DESC)
                         FROM (SELECT seq, subject_id, occurred_at, round((extract(epoch FROM $1::timestamptz - occurred_at) / 86400)::numeric, 2) AS age
                                 FROM m ORDER BY occurred_at DESC, seq DESC LIMIT 20) y), '[]') AS youngest`,
      [now],
    );
    const rules = config.rules.length
      ? await ctx.sql<{ i: number; rows: string; expired: string }>(
          config.rules
            .map(
              (r, i) => `
          SELECT ${i} AS i, count(*) AS rows,
                 count(*) FILTER (WHERE ${quoteIdent(r.timestamp_column)} < $1::timestamptz - make_interval(days => ${r.keep_days})) AS expired
            FROM ${quoteIdent(r.table)}`,
            )
            .join(' UNION ALL ') + ' ORDER BY i',
          [now],
        )
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
      purgeLeftovers: leftovers.flatMap((r) =>
        r.request === null ? [] : [{ request: r.request, account: r.account, requestAgeDays: Number(r.age), completed: r.completed, table: `public.${r.tbl}`, rows: Number(r.rows) }],
      ),
      purgeRequestsChecked: Number(leftovers[0]?.checked ?? 0),
      adminAccessWitness: {
        events: Number(access.events),
        missingRows: Number(access.missing),
        youngestMissing: access.youngest.map((y) => ({ seq: Number(y.seq), logId: String(y.log_id), ageDays: Number(y.age_days) })),
      },
    };
  },
});
