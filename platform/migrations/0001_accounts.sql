-- Up Migration
-- Accounts are the tenancy boundary: every customer row carries account_id.
CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The accounts a transaction acts for (set LOCAL by platform/db/tx.ts). Every
-- row-level security policy keyed on account_id reads it through this function.
CREATE FUNCTION current_account_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(string_to_array(nullif(current_setting('trust.account_ids', true), ''), ',')::uuid[], '{}')
$$;

-- Collectors read everything; tables created by later migrations inherit this.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO trust_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON SEQUENCES TO trust_reader;
GRANT SELECT ON accounts TO trust_reader;
GRANT SELECT, INSERT ON accounts TO trust_app;
GRANT EXECUTE ON FUNCTION current_account_ids() TO trust_app, trust_reader;

-- Down Migration
DROP FUNCTION current_account_ids();
DROP TABLE accounts;
