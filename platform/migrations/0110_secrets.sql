-- Up Migration
-- Encrypted columns hold only keyring ciphertexts (platform/crypto/keyring.ts):
-- tev1:<key version>:<base64url(nonce|ciphertext|tag)>. The CHECKs refuse anything else,
-- so a plaintext token cannot be written even by mistake.
CREATE TABLE oauth_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{1,39}$'),
  access_token text NOT NULL CONSTRAINT oauth_access_token_ciphertext
    CHECK (access_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$'),
  refresh_token text CONSTRAINT oauth_refresh_token_ciphertext
    CHECK (refresh_token ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$'),
  expires_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failed', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  refreshed_at timestamptz
);
COMMENT ON COLUMN oauth_connections.access_token IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml)';
COMMENT ON COLUMN oauth_connections.refresh_token IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml)';
CREATE INDEX ON oauth_connections (account_id);

-- Single-use, expiring OAuth state nonces; only the SHA-256 of the state is stored.
CREATE TABLE oauth_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{1,39}$'),
  state_hash text NOT NULL UNIQUE CHECK (state_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  CONSTRAINT oauth_states_expire_within_15m CHECK (expires_at > created_at AND expires_at <= created_at + interval '15 minutes')
);
CREATE INDEX ON oauth_states (account_id);

-- Secrets handed to an agent at provisioning; they go with the agent (ON DELETE CASCADE).
CREATE TABLE agent_secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  ciphertext text NOT NULL CONSTRAINT agent_secrets_ciphertext
    CHECK (ciphertext ~ '^tev1:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (agent_id, name)
);
COMMENT ON COLUMN agent_secrets.ciphertext IS 'AES-256-GCM ciphertext (platform/config/encryption.yaml); deleted with its agent';
CREATE INDEX ON agent_secrets (account_id);

CREATE TABLE ssh_public_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  public_key text NOT NULL CHECK (public_key ~ '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\n]{0,200})?$'),
  fingerprint text NOT NULL CHECK (fingerprint ~ '^SHA256:[A-Za-z0-9+/]{43}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, fingerprint)
);
COMMENT ON COLUMN ssh_public_keys.public_key IS 'public key, not a secret: stored in plaintext on purpose';
CREATE INDEX ON ssh_public_keys (account_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_connections, oauth_states, agent_secrets, ssh_public_keys TO trust_app;
GRANT SELECT ON oauth_connections, oauth_states, agent_secrets, ssh_public_keys TO trust_reader;

-- Down Migration
DROP TABLE ssh_public_keys;
DROP TABLE agent_secrets;
DROP TABLE oauth_states;
DROP TABLE oauth_connections;
