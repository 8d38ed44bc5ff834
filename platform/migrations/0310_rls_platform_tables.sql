-- Up Migration
-- Row-level security on the tables 0190 left out because they have no account_id column
-- (issue 13, defect 8): acting for account A, the runtime role read every row of accounts,
-- admin_access_log and job_runs. Enabled and FORCED, like the account tables.
--
-- A transaction acts for the accounts in trust.account_ids (platform/db/tx.ts). This is
-- isolation between the platform's own code paths, not a defence against whoever holds the
-- runtime role's login: that role can set the variable to any account. What it guarantees is
-- that a transaction acting for a tenant sees that tenant's rows only.

-- accounts: a row is visible to the transactions acting for it.
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON accounts
  USING (id = ANY ((SELECT current_account_ids())::uuid[]))
  WITH CHECK (id = ANY ((SELECT current_account_ids())::uuid[]));
CREATE POLICY reader_sees_all ON accounts FOR SELECT TO trust_reader USING (true);
-- The schema owner counts accounts (trust start: is the platform empty?) and owns the
-- function below; it can switch row-level security off anyway, this only says so.
CREATE POLICY owner_reads_all ON accounts FOR SELECT TO trust_owner USING (true);

-- Platform jobs (retention, purge, key rotation) act for every account explicitly. They learn
-- the ids here, and only outside any tenant's transaction: a transaction acting for an
-- account cannot list the others. Ids only, no names.
CREATE FUNCTION platform_account_ids() RETURNS SETOF uuid LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
  IF cardinality(public.current_account_ids()) > 0 THEN
    RAISE EXCEPTION 'platform_account_ids() lists every account; a transaction acting for accounts may not call it'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN QUERY SELECT a.id FROM public.accounts a ORDER BY a.id;
END $f$;
REVOKE ALL ON FUNCTION platform_account_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_account_ids() TO trust_app;

-- admin_access_log: an operator access is visible to a transaction acting for every account
-- it touched (withOperatorAccess acts for exactly those), never to one acting for only some of
-- them (the row names the others). Outside any tenant's transaction it is the platform's own
-- record: the retention job deletes old rows there.
ALTER TABLE admin_access_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE admin_access_log FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON admin_access_log
  USING (CASE WHEN cardinality((SELECT current_account_ids())::uuid[]) = 0 THEN true
              ELSE accessed_accounts <@ (SELECT current_account_ids())::uuid[] END)
  WITH CHECK (cardinality(accessed_accounts) > 0 AND accessed_accounts <@ (SELECT current_account_ids())::uuid[]);
CREATE POLICY reader_sees_all ON admin_access_log FOR SELECT TO trust_reader USING (true);

-- job_runs: platform-level rows (which job ran, when, how many rows, details across every
-- account). No tenant's transaction sees or writes them; recordJobRun works outside any.
ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_only ON job_runs
  USING (cardinality((SELECT current_account_ids())::uuid[]) = 0)
  WITH CHECK (cardinality((SELECT current_account_ids())::uuid[]) = 0);
CREATE POLICY reader_sees_all ON job_runs FOR SELECT TO trust_reader USING (true);

-- Down Migration
DROP POLICY reader_sees_all ON job_runs;
DROP POLICY platform_only ON job_runs;
ALTER TABLE job_runs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE job_runs DISABLE ROW LEVEL SECURITY;
DROP POLICY reader_sees_all ON admin_access_log;
DROP POLICY account_isolation ON admin_access_log;
ALTER TABLE admin_access_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE admin_access_log DISABLE ROW LEVEL SECURITY;
DROP FUNCTION platform_account_ids();
DROP POLICY owner_reads_all ON accounts;
DROP POLICY reader_sees_all ON accounts;
DROP POLICY account_isolation ON accounts;
ALTER TABLE accounts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts DISABLE ROW LEVEL SECURITY;
