/**
 * Account deletion. `requestAccountDeletion` records the request (due in 30 days, set
 * by the database); `runAccountPurgeJob` deletes the account's rows from every table
 * with an account_id column except the aggregates and records that
 * platform/config/retention.yaml keeps, then completes the request.
 */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';
import { accountTables } from './account-tables.ts';
import { appendAuditEvent } from './audit-log.ts';
import { allAccountIds, recordJobRun } from './job-runs.ts';
import { loadRetentionConfig, type RetentionConfig } from './retention-config.ts';
import { quoteIdent } from '../db/quote-ident.ts';

export async function requestAccountDeletion(pool: pg.Pool, input: { accountId: string; requestedBy: string }): Promise<{ id: string; dueAt: Date }> {
  return withTransaction(pool, { accounts: [input.accountId] }, async (c) => {
    const r = await c.query<{ id: string; due_at: Date }>(`INSERT INTO deletion_requests (account_id, requested_by, due_at) VALUES ($1, $2, now()) RETURNING id, due_at`, [
      input.accountId,
      input.requestedBy,
    ]);
    await appendAuditEvent(c, {
      accountId: input.accountId,
      actor: input.requestedBy,
      action: 'privacy.deletion_requested',
      subjectType: 'account',
      subjectId: input.accountId,
      details: { request_id: r.rows[0].id },
    });
    return { id: r.rows[0].id, dueAt: r.rows[0].due_at };
  });
}

/** Deletes one account's customer rows; returns rows deleted per table. */
async function purgeAccount(c: pg.PoolClient, accountId: string, config: RetentionConfig): Promise<Record<string, number>> {
  const kept = new Set(config.account_deletion.kept_after_purge.map((k) => k.table));
  let pending = (await accountTables(c)).filter((t) => !kept.has(t));
  for (const t of pending) {
    const ok = await c.query<{ ok: boolean }>(`SELECT has_table_privilege(current_user, $1, 'DELETE') AS ok`, [`public.${quoteIdent(t)}`]);
    if (!ok.rows[0].ok) throw new PlatformError('purge_blocked', `table ${t} holds account data, is not kept by retention.yaml, and the runtime role cannot delete from it`);
  }
  const deleted: Record<string, number> = {};
  // Agents and VMs go through their own destroy functions, so periods are closed and
  // destroy events are written exactly as for a customer's own destroy.
  for (const [table, fn] of [
    ['agents', 'agent_destroy'],
    ['vms', 'vm_destroy'],
  ] as const) {
    const exists = await c.query(`SELECT to_regprocedure($1) IS NOT NULL AS ok`, [`${fn}(uuid,text,timestamptz)`]);
    if (!exists.rows[0].ok || !(await accountTables(c)).includes(table)) continue;
    const ids = await c.query<{ id: string }>(`SELECT id FROM ${quoteIdent(table)} WHERE account_id = $1 ORDER BY id`, [accountId]);
    for (const { id } of ids.rows) await c.query(`SELECT * FROM ${fn}($1, 'system:privacy.account_purge', NULL)`, [id]);
    deleted[table] = ids.rowCount ?? 0;
  }
  // Foreign keys between account tables decide the order; rather than keep a list that
  // drifts, retry tables whose delete is blocked by a referencing row until none is left.
  while (pending.length) {
    const blocked: string[] = [];
    for (const t of pending) {
      await c.query('SAVEPOINT purge_table');
      try {
        const r = await c.query(`DELETE FROM ${quoteIdent(t)} WHERE account_id = $1`, [accountId]);
        deleted[t] = (deleted[t] ?? 0) + (r.rowCount ?? 0);
        await c.query('RELEASE SAVEPOINT purge_table');
      } catch (e) {
        await c.query('ROLLBACK TO SAVEPOINT purge_table');
        if ((e as { code?: string }).code !== '23503') throw e;
        blocked.push(t);
      }
    }
    if (blocked.length === pending.length) throw new PlatformError('purge_blocked', `cannot purge ${blocked.join(', ')}: rows are referenced from tables the purge keeps`);
    pending = blocked;
  }
  if (config.account_deletion.anonymise_account_name) {
    await c.query(`UPDATE accounts SET name = 'deleted account ' || left(id::text, 8) WHERE id = $1`, [accountId]);
  }
  return deleted;
}

/** Completes every open deletion request. Recorded in job_runs as `privacy.account_purge`. */
export async function runAccountPurgeJob(pool: pg.Pool, opts: { config?: RetentionConfig } = {}): Promise<{ completed: string[] }> {
  const config = opts.config ?? loadRetentionConfig();
  return recordJobRun(pool, 'privacy.account_purge', async (job) => {
    const accounts = await allAccountIds(pool);
    const open = accounts.length
      ? await withTransaction(pool, { accounts }, (c) =>
          c.query<{ id: string; account_id: string }>(`SELECT id, account_id FROM deletion_requests WHERE completed_at IS NULL ORDER BY requested_at, id`),
        )
      : { rows: [] };
    const completed: string[] = [];
    for (const req of open.rows) {
      await withTransaction(pool, { accounts: [req.account_id] }, async (c) => {
        const deleted = await purgeAccount(c, req.account_id, config);
        const total = Object.values(deleted).reduce((a, b) => a + b, 0);
        await c.query(`UPDATE deletion_requests SET completed_at = now(), rows_deleted = $2 WHERE id = $1`, [req.id, total]);
        await appendAuditEvent(c, {
          accountId: req.account_id,
          actor: 'system:privacy.account_purge',
          action: 'privacy.account_purged',
          subjectType: 'account',
          subjectId: req.account_id,
          details: { request_id: req.id, rows_deleted: total },
        });
        job.count(total);
      });
      completed.push(req.id);
    }
    job.detail('requests_completed', completed.length);
    return { completed };
  });
}
