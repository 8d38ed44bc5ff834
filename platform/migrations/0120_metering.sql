-- Up Migration
-- Metering without content: proxy traffic is kept only as daily numbers per virtual
-- key and model. No column here is wide or textual enough to hold a request or response.
CREATE TABLE proxy_virtual_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  kind varchar(5) NOT NULL CHECK (kind IN ('llm', 'voice')),
  key_hash char(64) NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  display_prefix varchar(16) NOT NULL CHECK (display_prefix ~ '^hcv_[0-9a-f]{4}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX ON proxy_virtual_keys (account_id);

CREATE TABLE llm_usage_daily (
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  virtual_key_id uuid NOT NULL,
  model varchar(64) NOT NULL CHECK (model ~ '^[A-Za-z0-9._:/-]{1,64}$'),
  day date NOT NULL,
  requests bigint NOT NULL DEFAULT 0 CHECK (requests >= 0),
  cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  input_units bigint NOT NULL DEFAULT 0 CHECK (input_units >= 0),
  output_units bigint NOT NULL DEFAULT 0 CHECK (output_units >= 0),
  PRIMARY KEY (account_id, virtual_key_id, model, day)
);
COMMENT ON TABLE llm_usage_daily IS 'daily aggregates per virtual key and model; request and response bodies are never stored';

CREATE TABLE voice_usage_daily (
  account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  virtual_key_id uuid NOT NULL,
  model varchar(64) NOT NULL CHECK (model ~ '^[A-Za-z0-9._:/-]{1,64}$'),
  day date NOT NULL,
  requests bigint NOT NULL DEFAULT 0 CHECK (requests >= 0),
  cost_micros bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  input_units bigint NOT NULL DEFAULT 0 CHECK (input_units >= 0),
  output_units bigint NOT NULL DEFAULT 0 CHECK (output_units >= 0),
  PRIMARY KEY (account_id, virtual_key_id, model, day)
);
COMMENT ON TABLE voice_usage_daily IS 'daily aggregates per virtual key and voice model; audio and transcripts are never stored';

GRANT SELECT, INSERT, UPDATE, DELETE ON proxy_virtual_keys, llm_usage_daily, voice_usage_daily TO trust_app;
GRANT SELECT ON proxy_virtual_keys, llm_usage_daily, voice_usage_daily TO trust_reader;

-- Down Migration
DROP TABLE voice_usage_daily;
DROP TABLE llm_usage_daily;
DROP TABLE proxy_virtual_keys;
