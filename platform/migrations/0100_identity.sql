-- Up Migration
-- Row-level security reads the accounts a transaction acts for from this function
-- (set by platform/db/tx.ts). Same definition as core I's; replacing is harmless.
CREATE OR REPLACE FUNCTION current_account_ids() RETURNS uuid[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(string_to_array(nullif(current_setting('trust.account_ids', true), ''), ',')::uuid[], '{}')
$$;

-- Lookup by secret hash before the account is known (login, API key, session, OAuth
-- callback): a transaction may set `trust.lookup_hash` to the SHA-256 of the secret it
-- holds, and a SELECT-only policy reveals exactly the row carrying that hash.
CREATE OR REPLACE FUNCTION current_lookup_hash() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('trust.lookup_hash', true), '') $$;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
  email_hash text NOT NULL CHECK (email_hash ~ '^[0-9a-f]{64}$'),
  -- bcrypt, cost 12 or more: a plaintext password or a weak hash is refused here.
  password_hash text NOT NULL CONSTRAINT users_password_bcrypt_cost_12
    CHECK (password_hash ~ '^\$2[aby]\$(1[2-9]|[23][0-9])\$[./A-Za-z0-9]{53}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (email_hash)
);
COMMENT ON COLUMN users.password_hash IS 'bcrypt hash, cost >= 12 (CHECK users_password_bcrypt_cost_12); never the password';
CREATE INDEX ON users (account_id);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  tier text NOT NULL CHECK (tier IN ('read', 'manage', 'admin')),
  -- Only the SHA-256 of the key is kept; the key itself is shown once at creation.
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  display_prefix text NOT NULL CHECK (display_prefix ~ '^hck_(read|manage|admin)_[A-Za-z0-9]{4}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
COMMENT ON COLUMN api_keys.key_hash IS 'SHA-256 of the API key; the key is shown once and never stored';
CREATE INDEX ON api_keys (account_id);

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- Sessions expire: at most 12 hours.
  CONSTRAINT sessions_expire_within_12h CHECK (expires_at > created_at AND expires_at <= created_at + interval '12 hours')
);
COMMENT ON COLUMN sessions.token_hash IS 'SHA-256 of the session cookie value; the cookie value is never stored';
CREATE INDEX ON sessions (account_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON users, api_keys, sessions TO trust_app;
GRANT SELECT ON users, api_keys, sessions TO trust_reader;

-- Down Migration
DROP TABLE sessions;
DROP TABLE api_keys;
DROP TABLE users;
DROP FUNCTION current_lookup_hash();
