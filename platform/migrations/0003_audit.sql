-- Up Migration
-- Append-only, hash-chained audit events.
--
-- Each event's hash is sha256(prev_hash || content), where content is exactly the
-- PostgreSQL COPY text-format line of the content columns (seq .. details) under
-- TimeZone=UTC and DateStyle=ISO. A verifier can therefore stream
-- `COPY (SELECT ...) TO STDOUT` and hash the raw bytes without parsing rows.
CREATE TABLE audit_events (
  seq bigint PRIMARY KEY,
  -- Years 2000-9999: the range where the hashed text form is plain YYYY-MM-DD.
  occurred_at timestamptz NOT NULL DEFAULT now() CHECK (occurred_at >= '2000-01-01 00:00+00' AND occurred_at < '9999-01-01 00:00+00'),
  account_id uuid,                -- NULL for operator events; no FK: events outlive accounts' rows
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  subject_type text NOT NULL CHECK (subject_type ~ '^[a-z_]+$'),
  subject_id text NOT NULL,       -- no FK: events survive the deletion of their subject
  details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
  prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash bytea NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_account ON audit_events (account_id, occurred_at);

-- The chain head. Its name must not contain "audit": it is the one mutable row.
CREATE TABLE event_chain_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq bigint NOT NULL,
  hash bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO event_chain_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- One field as COPY TO writes it in text format: \N for NULL; backslash and the
-- control characters \b \t \n \v \f \r (0x08-0x0d) escaped.
CREATE FUNCTION audit_copy_field(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
  SELECT CASE
    WHEN v IS NULL THEN '\N'
    WHEN v !~ '[\\\x08-\x0d]' THEN v
    ELSE replace(replace(replace(replace(replace(replace(replace(v,
      '\', '\\'), chr(8), '\b'), chr(9), '\t'), chr(10), '\n'), chr(11), '\v'), chr(12), '\f'), chr(13), '\r')
  END
$f$;

-- The content bytes of one event: exactly what COPY TO prints for these columns
-- in a session with TimeZone=UTC and DateStyle=ISO. The timestamp is formatted
-- here with to_char (which ignores DateStyle) rather than through SET clauses on
-- the function: switching TimeZone per call cost ~100 us per event.
CREATE FUNCTION audit_content_bytes(
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

-- Chains every inserted event, whoever the writer is. The first event of a
-- transaction locks the head row (SELECT ... FOR UPDATE returns the newest committed
-- head even under READ COMMITTED), so concurrent writers queue until commit and the
-- chain never forks. Later events of the same transaction continue from a
-- session variable tagged with the transaction id; the head row is written once,
-- at commit (audit_chain_store_head).
CREATE FUNCTION audit_chain_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
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
  -- Session scope (not LOCAL): a LOCAL setting would be undone at the exit of
  -- audit_content_bytes (a function with SET clauses). The transaction id tag makes
  -- a value left by an earlier transaction inert, and savepoint rollback restores it.
  PERFORM set_config('trust.audit_chain', v_xid || ':' || NEW.seq || ':' || encode(NEW.hash, 'hex'), false);
  RETURN NEW;
END $f$;

-- The head row stays locked from the transaction's first event, so nobody reads a
-- stale head meanwhile; a deferred trigger stores the final head at commit, for the
-- transaction's last event only. (Rewriting the row per event would leave a chain
-- of row versions that every later rewrite in the transaction walks: quadratic.)
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

CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_chain_event();
CREATE CONSTRAINT TRIGGER audit_events_chain_head AFTER INSERT ON audit_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_store_head();

-- Immutability for every table whose name says audit, the owner included.
CREATE FUNCTION reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'audit records can only be inserted';
END $f$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
-- Statement level as well: under row-level security a statement may match no row
-- (and fire no row trigger); it must still be refused.
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();

-- Signed checkpoints: the chain head at a sequence number, signed with Ed25519
-- over "harbor-audit-checkpoint:v1:<seq>:<hash hex>". Verification can start here.
CREATE TABLE audit_checkpoints (
  seq bigint PRIMARY KEY CHECK (seq >= 0),
  hash bytea NOT NULL CHECK (length(hash) = 32),
  signed_at timestamptz NOT NULL DEFAULT now(),
  key_id text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  public_key text NOT NULL,       -- SPKI PEM, for display; verifiers trust their own key list
  signature bytea NOT NULL CHECK (length(signature) = 64)
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
-- Statement level as well: under row-level security a statement may match no row
-- (and fire no row trigger); it must still be refused.
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON audit_events
  USING (account_id = ANY (current_account_ids()))
  WITH CHECK (account_id IS NULL OR account_id = ANY (current_account_ids()));
CREATE POLICY reader_sees_all ON audit_events FOR SELECT TO trust_reader USING (true);

REVOKE ALL ON audit_events, audit_checkpoints, event_chain_head FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO trust_app;
GRANT SELECT ON event_chain_head TO trust_app;
GRANT SELECT ON audit_events, audit_checkpoints, event_chain_head TO trust_reader;

-- Down Migration
DROP TABLE audit_checkpoints;
DROP TABLE audit_events;
DROP TABLE event_chain_head;
DROP FUNCTION reject_audit_change();
DROP FUNCTION audit_chain_store_head();
DROP FUNCTION audit_chain_event();
DROP FUNCTION audit_content_bytes(bigint, timestamptz, uuid, text, text, text, text, jsonb);
DROP FUNCTION audit_copy_field(text);
