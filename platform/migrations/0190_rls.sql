-- Up Migration
-- Row-level security on EVERY table that holds account data (every table with an
-- account_id column, core I's included), enabled and FORCED so the table owner is
-- held to it too. Runs late so it sees all earlier tables; a table added by a later
-- migration must carry its own policy (test/platform/rls.test.ts fails otherwise).
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.oid::regclass AS rel, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') -- ordinary and partitioned tables
      AND n.nspname = 'public'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped)
    ORDER BY c.relname
  LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.rel);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.rel);
    IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.rel AND p.polname = 'account_isolation') THEN
      IF t.relname = 'audit_events' THEN
        -- Operator and system events carry no account: anyone may append them, and only
        -- the reader (collectors) sees them.
        EXECUTE format('CREATE POLICY account_isolation ON %s USING (account_id = ANY (current_account_ids())) '
                       'WITH CHECK (account_id IS NULL OR account_id = ANY (current_account_ids()))', t.rel);
      ELSE
        EXECUTE format('CREATE POLICY account_isolation ON %s USING (account_id = ANY (current_account_ids())) '
                       'WITH CHECK (account_id = ANY (current_account_ids()))', t.rel);
      END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.rel AND 'trust_reader'::regrole = ANY (p.polroles)) THEN
      EXECUTE format('CREATE POLICY reader_sees_all ON %s FOR SELECT TO trust_reader USING (true)', t.rel);
    END IF;
  END LOOP;
END $$;

-- Lookups by secret hash before the account is known (login, API key, session cookie,
-- proxy virtual key): SELECT only, and only the one row whose hash the caller holds.
CREATE POLICY lookup_by_hash ON users FOR SELECT USING (email_hash = current_lookup_hash());
CREATE POLICY lookup_by_hash ON api_keys FOR SELECT USING (key_hash = current_lookup_hash());
CREATE POLICY lookup_by_hash ON sessions FOR SELECT USING (token_hash = current_lookup_hash());
CREATE POLICY lookup_by_hash ON proxy_virtual_keys FOR SELECT USING (key_hash = current_lookup_hash());

-- Collectors read everything, write nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO trust_reader;

-- A last line of defence for "no secret in an audit event": refuse details that carry
-- a keyring ciphertext, an API key, a bcrypt hash or a field named like a secret.
CREATE FUNCTION audit_details_no_secrets() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
     OR jsonb_path_exists(NEW.details, '$.**.keyvalue() ? (@.key like_regex "(password|secret|token|api_key)$" flag "i")', '{}', true) THEN
    RAISE EXCEPTION 'audit event % would record a secret', NEW.action USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_details_no_secrets();

-- Down Migration
DROP TRIGGER audit_events_no_secrets ON audit_events;
DROP FUNCTION audit_details_no_secrets();
DROP POLICY lookup_by_hash ON proxy_virtual_keys;
DROP POLICY lookup_by_hash ON sessions;
DROP POLICY lookup_by_hash ON api_keys;
DROP POLICY lookup_by_hash ON users;
