-- Up Migration
-- Account deletion requests: the purge job (platform/privacy/purge.ts) must complete
-- each one before due_at, 30 days after the request. No foreign key to accounts: the
-- request is the record that the deletion happened and outlives the data.
CREATE TABLE deletion_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  requested_by text NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 200),
  requested_at timestamptz NOT NULL DEFAULT now(),
  due_at timestamptz NOT NULL,
  completed_at timestamptz,
  rows_deleted bigint CHECK (rows_deleted >= 0),
  CONSTRAINT deletion_requests_due_within_30_days CHECK (due_at = requested_at + interval '30 days'),
  CONSTRAINT deletion_requests_completed_after_request CHECK (completed_at IS NULL OR completed_at >= requested_at)
);
CREATE UNIQUE INDEX deletion_requests_one_open_per_account ON deletion_requests (account_id) WHERE completed_at IS NULL;

CREATE FUNCTION deletion_requests_set_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.due_at := NEW.requested_at + interval '30 days';
  RETURN NEW;
END $$;
CREATE TRIGGER deletion_requests_set_due BEFORE INSERT ON deletion_requests
  FOR EACH ROW EXECUTE FUNCTION deletion_requests_set_due();

-- Every operator access to customer data across accounts (platform/privacy/operator-access.ts).
-- Rows are kept at least 90 days: the database refuses to update them and refuses to
-- delete one younger than that.
CREATE TABLE admin_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  operator text NOT NULL CHECK (length(operator) BETWEEN 1 AND 200),
  reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
  accessed_accounts uuid[] NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE FUNCTION admin_access_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- Only closing an open entry is allowed.
    IF OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL
       AND (NEW.id, NEW.operator, NEW.reason, NEW.accessed_accounts, NEW.started_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.operator, OLD.reason, OLD.accessed_accounts, OLD.started_at) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'admin_access_log is append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.started_at > now() - interval '90 days' THEN
    RAISE EXCEPTION 'admin_access_log rows are kept 90 days (row % is younger)', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER admin_access_log_guard BEFORE UPDATE OR DELETE ON admin_access_log
  FOR EACH ROW EXECUTE FUNCTION admin_access_log_guard();
CREATE FUNCTION admin_access_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'admin_access_log cannot be truncated' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER admin_access_log_no_truncate BEFORE TRUNCATE ON admin_access_log
  FOR EACH STATEMENT EXECUTE FUNCTION admin_access_log_no_truncate();

-- Every run of a retention or purge job, so a collector can see they run.
CREATE TABLE job_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job text NOT NULL CHECK (job ~ '^[a-z][a-z0-9_.]{1,63}$'),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  rows_affected bigint CHECK (rows_affected >= 0),
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ON job_runs (job, started_at);

GRANT SELECT, INSERT, UPDATE ON deletion_requests TO trust_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON admin_access_log, job_runs TO trust_app;
GRANT SELECT ON deletion_requests, admin_access_log, job_runs TO trust_reader;
-- The purge renames a deleted account (the row stays as the anchor of kept aggregates).
GRANT UPDATE (name) ON accounts TO trust_app;

-- Down Migration
DROP TABLE job_runs;
DROP TABLE admin_access_log;
DROP FUNCTION admin_access_log_guard();
DROP FUNCTION admin_access_log_no_truncate();
DROP TABLE deletion_requests;
DROP FUNCTION deletion_requests_set_due();
