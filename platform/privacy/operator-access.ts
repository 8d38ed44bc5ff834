/**
 * The one audited path for an operator (engineer) to read or change customer data
 * across accounts: an `admin_access_log` row and an `admin.access` audit event are
 * written before the work runs, in the same transaction, with the accounts' context.
 */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';
import { appendAuditEvent } from './audit-log.ts';

export interface OperatorAccess {
  /** Who: an operator identity, e.g. `alice@harborcloud.example`. */
  operator: string;
  /** Why: a ticket or incident reference and a sentence. */
  reason: string;
  accounts: string[];
}

export async function withOperatorAccess<T>(pool: pg.Pool, access: OperatorAccess, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!access.operator?.trim()) throw new PlatformError('operator_required', 'operator access needs an operator identity');
  if (!access.reason || access.reason.trim().length < 3) throw new PlatformError('reason_required', 'operator access needs a reason');
  if (!access.accounts.length) throw new PlatformError('accounts_required', 'operator access needs the accounts it covers');
  return withTransaction(pool, { accounts: access.accounts }, async (c) => {
    const log = await c.query<{ id: string }>(`INSERT INTO admin_access_log (operator, reason, accessed_accounts) VALUES ($1, $2, $3) RETURNING id`, [access.operator, access.reason, access.accounts]);
    await appendAuditEvent(c, {
      accountId: null,
      actor: `operator:${access.operator}`,
      action: 'admin.access',
      subjectType: 'admin_access',
      subjectId: log.rows[0].id,
      details: { reason: access.reason, accounts: access.accounts },
    });
    const result = await fn(c);
    await c.query(`UPDATE admin_access_log SET finished_at = clock_timestamp() WHERE id = $1`, [log.rows[0].id]);
    return result;
  });
}
