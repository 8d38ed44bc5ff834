/**
 * Under the runtime role, account A reads, updates and deletes none of account B's
 * rows, in every table with an account_id column. Tables come from the catalog, so a
 * new table without RLS or without a policy fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount, populateAccount, testKeyring } from '../helpers/core-ii-fixtures.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { accountTables } from '../../platform/privacy/account-tables.ts';
import { quoteIdent } from '../../platform/db/quote-ident.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: string;
let b: string;
let tables: string[];
beforeAll(async () => {
  db = await createTestDatabase();
  const k = testKeyring();
  a = await makeAccount(db, 'A');
  b = await makeAccount(db, 'B');
  await populateAccount(db, a, k);
  await populateAccount(db, b, k);
  tables = await accountTables(db.pool('app'));
});
afterAll(async () => {
  await db.drop();
});

describe('row-level security on every account table', () => {
  it('the catalog lists the account tables, all enabled and forced, each with an account policy', async () => {
    expect(tables.length).toBeGreaterThanOrEqual(20);
    const rows = await adminQuery(
      db,
      `SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
         EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive
                 AND pg_get_expr(p.polqual, p.polrelid) LIKE '%current_account_ids()%') AS has_account_policy,
         -- a permissive policy that lets the runtime role see rows unconditionally would defeat the rest
         EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive
                 AND (p.polroles = '{0}' OR 'trust_app'::regrole = ANY (p.polroles))
                 AND pg_get_expr(p.polqual, p.polrelid) = 'true') AS open_to_app
       FROM pg_class c WHERE c.relname = ANY ($1) AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
      [tables],
    );
    const bad = rows.filter((r) => !r.enabled || !r.forced || !r.has_account_policy || r.open_to_app).map((r) => r.relname);
    expect(bad).toEqual([]);
  });

  it('a table added with an account_id column but no policy is caught by the same catalog query', async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url('owner') });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('CREATE TABLE rls_probe (id int, account_id uuid)');
      const found = await accountTables(c);
      expect(found).toContain('rls_probe');
      const r = await c.query(`SELECT relrowsecurity AND relforcerowsecurity AS ok FROM pg_class WHERE relname = 'rls_probe'`);
      expect(r.rows[0].ok).toBe(false);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  });

  it('every account table holds rows of account B (the behavioural checks below are not vacuous)', async () => {
    const empty: string[] = [];
    for (const t of tables) {
      const [{ n }] = await adminQuery<{ n: string }>(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [b]);
      if (Number(n) === 0) empty.push(t);
    }
    expect(empty).toEqual([]);
  });

  it("acting for A, the runtime role reads, updates and deletes none of B's rows", async () => {
    const pool = db.pool('app');
    const leaks: string[] = [];
    for (const t of tables) {
      const [{ n: before }] = await adminQuery<{ n: string }>(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [b]);
      const attempt = async (sql: string): Promise<number> => {
        try {
          return await withTransaction(pool, { accounts: [a] }, async (c) => {
            const r = await c.query(sql, [b]);
            await c.query('ROLLBACK; BEGIN'); // never keep what an attempt did
            return sql.startsWith('SELECT') ? Number(r.rows[0].n) : (r.rowCount ?? 0);
          });
        } catch (e) {
          // permission denied / append-only triggers: refused outright, which is also "none"
          if (['42501', 'P0001', 'PT001'].includes((e as { code?: string }).code ?? '')) return 0;
          throw e;
        }
      };
      const seen = await attempt(`SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`);
      const updated = await attempt(`UPDATE ${quoteIdent(t)} SET account_id = account_id WHERE account_id = $1`);
      const deleted = await attempt(`DELETE FROM ${quoteIdent(t)} WHERE account_id = $1`);
      if (seen || updated || deleted) leaks.push(`${t}: read ${seen}, updated ${updated}, deleted ${deleted}`);
      const [{ n: after }] = await adminQuery<{ n: string }>(db, `SELECT count(*) AS n FROM ${quoteIdent(t)} WHERE account_id = $1`, [b]);
      expect(after, t).toBe(before);
    }
    expect(leaks).toEqual([]);
  });

  it('acting for A, the runtime role cannot write a row into B', async () => {
    await expect(
      withTransaction(db.pool('app'), { accounts: [a] }, (c) =>
        c.query(`INSERT INTO ssh_public_keys (account_id, name, public_key, fingerprint) SELECT $1, name, public_key, fingerprint || 'x' FROM ssh_public_keys LIMIT 1`, [b]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('with no account context the runtime role sees nothing', async () => {
    for (const t of tables) {
      const r = await withTransaction(db.pool('app'), {}, (c) => c.query(`SELECT count(*)::int AS n FROM ${quoteIdent(t)}`).catch((e) => ({ rows: [{ n: e.code === '42501' ? 0 : -1 }] })));
      expect(r.rows[0].n, t).toBe(0);
    }
  });
});

describe('row-level security on the platform tables without account_id (issue 13, defect 8)', () => {
  it('acting for A, the runtime role reads no other account, no operator access touching B, no job run', async () => {
    const { withOperatorAccess } = await import('../../platform/privacy/operator-access.ts');
    const { recordJobRun } = await import('../../platform/privacy/job-runs.ts');
    await withOperatorAccess(db.pool('app'), { operator: 'oncall@example', reason: 'INC-1 look at both', accounts: [a, b] }, async () => {});
    await withOperatorAccess(db.pool('app'), { operator: 'oncall@example', reason: 'INC-2 look at A', accounts: [a] }, async () => {});
    await recordJobRun(db.pool('app'), 'test.job', async () => {});
    const seen = await withTransaction(db.pool('app'), { accounts: [a] }, async (c) => ({
      accounts: (await c.query(`SELECT count(*)::int AS n FROM accounts WHERE id <> $1`, [a])).rows[0].n,
      ownAccount: (await c.query(`SELECT count(*)::int AS n FROM accounts WHERE id = $1`, [a])).rows[0].n,
      accessOthers: (await c.query(`SELECT count(*)::int AS n FROM admin_access_log WHERE NOT (accessed_accounts <@ ARRAY[$1]::uuid[])`, [a])).rows[0].n,
      accessOwn: (await c.query(`SELECT count(*)::int AS n FROM admin_access_log WHERE accessed_accounts <@ ARRAY[$1]::uuid[]`, [a])).rows[0].n,
      jobs: (await c.query(`SELECT count(*)::int AS n FROM job_runs`)).rows[0].n,
    }));
    expect(seen).toEqual({ accounts: 0, ownAccount: 1, accessOthers: 0, accessOwn: 1, jobs: 0 });
    // The rows are there: the collectors' role sees them all.
    const all = await adminQuery<{ acc: number; log: number; jobs: number }>(
      db,
      `SELECT (SELECT count(*) FROM accounts)::int AS acc, (SELECT count(*) FROM admin_access_log)::int AS log, (SELECT count(*) FROM job_runs)::int AS jobs`,
    );
    expect(all[0].acc).toBeGreaterThanOrEqual(2);
    expect(all[0].log).toBe(2);
    expect(all[0].jobs).toBe(1);
  });

  it("acting for A, the runtime role can neither list every account nor write a job run or another account's access", async () => {
    await expect(withTransaction(db.pool('app'), { accounts: [a] }, (c) => c.query(`SELECT platform_account_ids()`))).rejects.toThrow(/may not call it/);
    await expect(withTransaction(db.pool('app'), { accounts: [a] }, (c) => c.query(`INSERT INTO job_runs (job, started_at) VALUES ('test.job', now())`))).rejects.toThrow(/row-level security/);
    await expect(
      withTransaction(db.pool('app'), { accounts: [a] }, (c) => c.query(`INSERT INTO admin_access_log (operator, reason, accessed_accounts) VALUES ('x', 'why not', ARRAY[$1]::uuid[])`, [b])),
    ).rejects.toThrow(/row-level security/);
    // Outside any tenant's transaction the platform jobs learn every id (ids only).
    const { allAccountIds } = await import('../../platform/privacy/job-runs.ts');
    expect(await allAccountIds(db.pool('app'))).toEqual(expect.arrayContaining([a, b]));
  });

  it('the platform jobs still run: retention and purge under the new policies', async () => {
    const { runRetentionJobs } = await import('../../platform/privacy/retention.ts');
    await expect(runRetentionJobs(db.pool('app'))).resolves.toBeDefined();
    const runs = await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM job_runs WHERE status = 'succeeded' AND job LIKE 'retention.%'`);
    expect(runs[0].n).toBeGreaterThan(0);
  });
});
