-- Up Migration
-- Accounts are the tenancy boundary: every customer row carries account_id.
CREATE TABLE accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Down Migration
DROP TABLE accounts;
