import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount, populateAccount, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { runAccountPurgeJob } from '../../platform/privacy/purge.ts';
import { exportAccount } from '../../platform/privacy/export.ts';
import { runRetentionJobs } from '../../platform/privacy/retention.ts';
import { withOperatorAccess } from '../../platform/privacy/operator-access.ts';
import { loadRetentionConfig } from '../../platform/privacy/retention-config.ts';
import { accountTables } from '../../platform/privacy/account-tables.ts';
import { quoteIdent } from '../../platform/db/quote-ident.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let gone: string;
let stays: string;
const keyring = testKeyring();
beforeAll(async () => {
  db = await createTestDatabase();
  gone = await makeAccount(db, 'leaving customer');
  stays = await makeAccount(db, 'staying customer');
  await populateAccount(db, gone, keyring);
  await populateAccount(db, stays, keyring);
  // only `gone` keeps its deletion request open
  await adminQuery(db, `UPDATE deletion_requests SET completed_at = now() WHERE account_id = $1`, [stays]);
});
afterAll(async () => {
  await db.drop();
});

describe('data export', () => {
  it('is one JSON document of the account, without secrets', async () => {
    const doc = await exportAccount(db.pool('app'), gone);
    const text = JSON.stringify(doc);
    expect(doc.account.id).toBe(gone);
    expect(doc.tables.users).toHaveLength(1);
    expect(doc.tables.oauth_connections).toHaveLength(1);
    expect(text).not.toMatch(/tev\d:|\$2[aby]\$|refresh-|access-|ghs-/);
    expect(doc.excluded_columns).toEqual(expect.arrayContaining(['oauth_connections.refresh_token', 'users.password_hash', 'api_keys.key_hash', 'agent_secrets.ciphertext']));
    expect(text).not.toContain(stays);
  });
});

describe('account deletion', () => {
  it('a deletion request is due 30 days after it is made (set by the database)', async () => {
    const [r] = await adminQuery(db, `SELECT due_at - requested_at AS d FROM deletion_requests WHERE account_id = $1`, [gone]);
    expect(r.d).toMatchObject({ days: 30 });
  });

  it('the purge job leaves no customer rows, keeps only configured aggregates, and touches no other account', async () => {
    const tables = await accountTables(db.pool('app'));
    const before: Record<string, number> = {};
    for (const t of tables) before[t] = Number((await adminQuery(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [stays]))[0].n);
    const { completed } = await runAccountPurgeJob(db.pool('app'));
    expect(completed).toHaveLength(1);
    const kept = new Set(loadRetentionConfig().account_deletion.kept_after_purge.map((k) => k.table));
    const left: string[] = [];
    for (const t of tables) {
      const [{ n }] = await adminQuery(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [gone]);
      if (Number(n) > 0 && !kept.has(t)) left.push(`${t}: ${n}`);
      const [{ n: other }] = await adminQuery(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [stays]);
      if (t !== 'audit_events') expect(Number(other), t).toBe(before[t]);
    }
    expect(left).toEqual([]);
    // aggregates stay
    expect(Number((await adminQuery(db, `SELECT count(*) AS n FROM llm_usage_daily WHERE account_id = $1`, [gone]))[0].n)).toBe(1);
    const [req] = await adminQuery(db, `SELECT completed_at, rows_deleted FROM deletion_requests WHERE account_id = $1`, [gone]);
    expect(req.completed_at).not.toBeNull();
    expect(Number(req.rows_deleted)).toBeGreaterThanOrEqual(8);
    const [acct] = await adminQuery(db, `SELECT name FROM accounts WHERE id = $1`, [gone]);
    expect(acct.name).toMatch(/^deleted account /);
    const [run] = await adminQuery(db, `SELECT status FROM job_runs WHERE job = 'privacy.account_purge'`);
    expect(run.status).toBe('succeeded');
  });
});

describe('operator access and retention', () => {
  it('operator access is logged (table + audit event) and scoped to the named accounts', async () => {
    const n = await withOperatorAccess(db.pool('app'), { operator: 'alice@harborcloud.example', reason: 'ticket 4711: customer reported a failed refresh', accounts: [stays] }, async (c) => {
      return Number((await c.query(`SELECT count(*) AS n FROM oauth_connections`)).rows[0].n);
    });
    expect(n).toBe(1);
    const [log] = await adminQuery(db, `SELECT operator, accessed_accounts, finished_at FROM admin_access_log`);
    expect(log).toMatchObject({ operator: 'alice@harborcloud.example', accessed_accounts: [stays] });
    expect(log.finished_at).not.toBeNull();
    const ev = await adminQuery(db, `SELECT account_id FROM audit_events WHERE action = 'admin.access'`);
    expect(ev).toEqual([{ account_id: null }]);
    await expect(withOperatorAccess(db.pool('app'), { operator: 'bob', reason: '', accounts: [stays] }, async () => 1)).rejects.toThrow(expect.objectContaining({ code: 'reason_required' }));
  });

  it('access log rows are kept 90 days: the database refuses an earlier delete and any edit', async () => {
    await expect(adminQuery(db, `DELETE FROM admin_access_log`)).rejects.toThrow(/kept 90 days/);
    await expect(adminQuery(db, `UPDATE admin_access_log SET reason = 'nothing to see'`)).rejects.toThrow(/append-only/);
    await expect(adminQuery(db, `TRUNCATE admin_access_log`)).rejects.toThrow(/cannot be truncated/);
  });

  it('retention jobs delete what the configuration says and record each run', async () => {
    // an expired session and an old state (aged as superuser; the guard allows it for this table)
    await adminQuery(db, `UPDATE sessions SET created_at = now() - interval '40 days', expires_at = now() - interval '40 days' + interval '8 hours'`);
    await adminQuery(db, `ALTER TABLE admin_access_log DISABLE TRIGGER admin_access_log_guard`);
    await adminQuery(db, `UPDATE admin_access_log SET started_at = now() - interval '91 days'`);
    await adminQuery(db, `ALTER TABLE admin_access_log ENABLE TRIGGER admin_access_log_guard`);
    const result = await runRetentionJobs(db.pool('app'));
    expect(result.sessions).toBe(1);
    expect(result.admin_access_log).toBe(1);
    const runs = await adminQuery(db, `SELECT job, status, rows_affected FROM job_runs WHERE job LIKE 'retention.%' ORDER BY job`);
    expect(runs.map((r) => r.job)).toEqual(
      loadRetentionConfig()
        .rules.map((r) => `retention.${r.table}`)
        .sort(),
    );
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
  });
});
