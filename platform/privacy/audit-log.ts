/**
 * Appends an audit event with a plain INSERT; core I's trigger chains it
 * (hash of predecessor). Details must never carry a secret: callers pass ids,
 * outcomes and prefixes only, and the database refuses obvious secret shapes
 * (trigger audit_events_no_secrets in 0190_rls.sql).
 */
import type pg from 'pg';

export interface AuditEventInput {
  /** null for operator/system events that belong to no account. */
  accountId: string | null;
  /** Who did it: `user:<id>`, `api_key:<prefix>`, `operator:<name>`, `system:<job>`. */
  actor: string;
  /** Dotted action name, e.g. `oauth.token_refreshed`. */
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

export async function appendAuditEvent(client: pg.ClientBase, e: AuditEventInput): Promise<void> {
  await client.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5, $6)`, [
    e.accountId,
    e.actor,
    e.action,
    e.subjectType,
    e.subjectId,
    JSON.stringify(e.details ?? {}),
  ]);
}
