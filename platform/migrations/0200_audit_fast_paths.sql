-- Up Migration
-- Cheaper audit writes, same guarantees: every event is still hashed and chained by
-- audit_chain_event(), and details that carry a secret are still refused.

-- The content bytes of one event (see 0003): exactly what COPY TO prints for these
-- columns with TimeZone=UTC and DateStyle=ISO. Same bytes as before, fewer steps:
-- one to_char for the timestamp (trailing zeros of the fraction, then a bare point,
-- trimmed); a uuid's text needs no escape; jsonb text never holds a raw control
-- character (jsonb output escapes them all: \b \f \n \r \t, others as \u00XX), so a
-- backslash is the only byte of details COPY escapes; and the four short text columns
-- take the per-field escape path only when one of them holds a byte COPY escapes. A
-- single SQL expression, so the planner inlines it into the trigger's expression.
CREATE OR REPLACE FUNCTION audit_content_bytes(
  p_seq bigint, p_occurred_at timestamptz, p_account_id uuid, p_actor text, p_action text,
  p_subject_type text, p_subject_id text, p_details jsonb
) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
AS $f$
  SELECT convert_to(
    p_seq::text || E'\t' || rtrim(rtrim(to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') || '+00'
    || E'\t' || coalesce(p_account_id::text, '\N')
    || E'\t' || CASE WHEN coalesce((p_actor || p_action || p_subject_type || p_subject_id) ~ '[\\\x08-\x0d]', true)
                  THEN audit_copy_field(p_actor) || E'\t' || audit_copy_field(p_action) || E'\t' || audit_copy_field(p_subject_type) || E'\t' || audit_copy_field(p_subject_id)
                  ELSE p_actor || E'\t' || p_action || E'\t' || p_subject_type || E'\t' || p_subject_id END
    || E'\t' || coalesce(replace(p_details::text, '\', '\\'), '\N'), 'UTF8')
$f$;

-- The secret guard (0190), evaluated in the trigger's WHEN clause: the executor tests
-- the text of details without calling a function, and the function runs only to
-- refuse. It refuses the same shapes as before:
--  * a keyring ciphertext, an API or proxy key, or a bcrypt hash anywhere in the text:
--    the same regular expression as before, reached only when the text holds the literal
--    its shapes all start with (tev1:, hck_, hcv_, $2), which LIKE finds far faster;
--  * an object key at any depth ending in password, secret, token or api_key, in any
--    case. In jsonb's text form a key is the only string followed by `": ` (a quote
--    inside a string is written \"), so `<word>": ` is exactly "a key ending in <word>".
CREATE OR REPLACE FUNCTION audit_details_no_secrets() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  -- Reached only when the WHEN clause of audit_events_no_secrets matched. A copy of the
  -- trigger without that clause would refuse every event: it fails closed.
  RAISE EXCEPTION 'audit event % would record a secret', NEW.action USING ERRCODE = 'check_violation';
END $f$;
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  (NEW.details::text LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%'])
    AND NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)')
  OR NEW.details::text ILIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %'])
) EXECUTE FUNCTION audit_details_no_secrets();

-- The chain head is stored once per transaction rather than queued once per event:
-- the first event of a transaction takes the head row with a no-change UPDATE (which,
-- like SELECT ... FOR UPDATE, waits for a concurrent writer and returns the newest
-- committed head), and that UPDATE queues one deferred trigger on the head row, which
-- writes the transaction's last seq and hash at commit. Rolled back to a savepoint,
-- the UPDATE and its queued trigger go away together with the events and the session
-- cache value of that savepoint, so the next event takes the head again.
CREATE OR REPLACE FUNCTION audit_chain_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$
DECLARE
  v_cache text := current_setting('trust.audit_chain', true);
  v_xid text := txid_current()::text;
  v_seq bigint;
  v_prev bytea;
BEGIN
  IF v_cache IS NOT NULL AND split_part(v_cache, ':', 1) = v_xid THEN
    v_seq := split_part(v_cache, ':', 2)::bigint;
    v_prev := decode(split_part(v_cache, ':', 3), 'hex');
  ELSE
    UPDATE event_chain_head h SET seq = h.seq WHERE h.singleton RETURNING h.seq, h.hash INTO v_seq, v_prev;
  END IF;
  NEW.seq := v_seq + 1;
  NEW.prev_hash := v_prev;
  NEW.hash := sha256(v_prev || audit_content_bytes(NEW.seq, NEW.occurred_at, NEW.account_id, NEW.actor,
    NEW.action, NEW.subject_type, NEW.subject_id, NEW.details));
  -- Session scope (not LOCAL), tagged with the transaction id (see 0003).
  PERFORM set_config('trust.audit_chain', v_xid || ':' || NEW.seq || ':' || encode(NEW.hash, 'hex'), false);
  RETURN NEW;
END $f$;

CREATE FUNCTION event_chain_head_store() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$
DECLARE
  v_cache text := current_setting('trust.audit_chain', true);
BEGIN
  IF v_cache IS NOT NULL AND split_part(v_cache, ':', 1) = txid_current()::text THEN
    -- Changes seq, so the WHEN clause below does not queue this trigger again.
    UPDATE event_chain_head SET seq = split_part(v_cache, ':', 2)::bigint, hash = decode(split_part(v_cache, ':', 3), 'hex')
     WHERE singleton AND seq <> split_part(v_cache, ':', 2)::bigint;
  END IF;
  RETURN NULL;
END $f$;

DROP TRIGGER audit_events_chain_head ON audit_events;
DROP FUNCTION audit_chain_store_head();
CREATE CONSTRAINT TRIGGER event_chain_head_store AFTER UPDATE ON event_chain_head
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.seq = NEW.seq) EXECUTE FUNCTION event_chain_head_store();

-- Down Migration
DROP TRIGGER event_chain_head_store ON event_chain_head;
DROP FUNCTION event_chain_head_store();
CREATE FUNCTION audit_chain_store_head() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$
DECLARE
  v_cache text := current_setting('trust.audit_chain', true);
BEGIN
  IF v_cache IS NOT NULL AND split_part(v_cache, ':', 1) = txid_current()::text
     AND split_part(v_cache, ':', 2)::bigint = NEW.seq THEN
    UPDATE event_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE singleton;
  END IF;
  RETURN NULL;
END $f$;
CREATE CONSTRAINT TRIGGER audit_events_chain_head AFTER INSERT ON audit_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_store_head();
CREATE OR REPLACE FUNCTION audit_chain_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$
DECLARE
  v_cache text := current_setting('trust.audit_chain', true);
  v_xid text := txid_current()::text;
  v_seq bigint;
  v_prev bytea;
BEGIN
  IF v_cache IS NOT NULL AND split_part(v_cache, ':', 1) = v_xid THEN
    v_seq := split_part(v_cache, ':', 2)::bigint;
    v_prev := decode(split_part(v_cache, ':', 3), 'hex');
  ELSE
    SELECT h.seq, h.hash INTO v_seq, v_prev FROM event_chain_head h WHERE h.singleton FOR UPDATE;
  END IF;
  NEW.seq := v_seq + 1;
  NEW.prev_hash := v_prev;
  NEW.hash := sha256(v_prev || audit_content_bytes(NEW.seq, NEW.occurred_at, NEW.account_id, NEW.actor,
    NEW.action, NEW.subject_type, NEW.subject_id, NEW.details));
  PERFORM set_config('trust.audit_chain', v_xid || ':' || NEW.seq || ':' || encode(NEW.hash, 'hex'), false);
  RETURN NEW;
END $f$;
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE OR REPLACE FUNCTION audit_details_no_secrets() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
     OR jsonb_path_exists(NEW.details, '$.**.keyvalue() ? (@.key like_regex "(password|secret|token|api_key)$" flag "i")', '{}', true) THEN
    RAISE EXCEPTION 'audit event % would record a secret', NEW.action USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_details_no_secrets();
CREATE OR REPLACE FUNCTION audit_content_bytes(
  p_seq bigint, p_occurred_at timestamptz, p_account_id uuid, p_actor text, p_action text,
  p_subject_type text, p_subject_id text, p_details jsonb
) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
AS $f$
  SELECT convert_to(
    p_seq::text || E'\t' || to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
    || rtrim(rtrim(to_char(p_occurred_at AT TIME ZONE 'UTC', '.US'), '0'), '.') || '+00'
    || E'\t' || audit_copy_field(p_account_id::text)
    || E'\t' || audit_copy_field(p_actor) || E'\t' || audit_copy_field(p_action) || E'\t' || audit_copy_field(p_subject_type)
    || E'\t' || audit_copy_field(p_subject_id) || E'\t' || audit_copy_field(p_details::text), 'UTF8')
$f$;
