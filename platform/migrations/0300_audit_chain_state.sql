-- Up Migration
-- Chain state the runtime role cannot touch (issue 13, defects 1, 4 and 5).
--
-- Before: later events of a transaction continued from a session variable
-- (trust.audit_chain = '<xid>:<seq>:<hash>') and the deferred head store wrote whatever it
-- said. Any session can set a custom variable, so trust_app could make its first event skip
-- the head lock (the head stopped advancing; the next writer collided on audit_events_pkey)
-- or, set after an INSERT, make the commit store any seq and hash as the head.
--
-- Now nothing the caller can set takes part. Each event continues from the newer of two rows
-- the caller cannot write: the stored head (event_chain_head) and the newest event. Every
-- committed event is at or below the stored head (the head is written at each commit), so an
-- event above it is one of this transaction's own; an event removed from the end (superuser,
-- replica mode) leaves the head above the newest event, and the next event still continues
-- from the head, so the gap stays visible instead of being re-chained over. Both are read in
-- one query per event (the head is one row; the newest event is one step down the primary
-- key from its right end).
--
-- Holding the head: the transaction's first event takes the row with a no-change UPDATE
-- (waits for a concurrent writer; under REPEATABLE READ a concurrent commit is a
-- serialization failure, which withTransaction retries) and that UPDATE queues the deferred
-- event_chain_head_store trigger (0200), which now stores the newest event at commit. Whether
-- the row is already held is read from the row itself: a head version written by this
-- transaction's top-level xid. (Inside a savepoint the version carries the subtransaction's
-- xid, so each event there takes the row again: correct, only slower.)
--
-- The function runs with its owner's rights (it must read every account's events and write
-- the head) but without SET clauses, which cost a GUC save and restore per event; so, as in
-- 0210, every name in it is schema-qualified, operators included.

-- The definer reads the whole chain: the schema owner may read every event (it owns the table
-- and can switch row-level security off anyway; this policy only says so).
CREATE POLICY chain_owner_reads ON audit_events FOR SELECT TO trust_owner USING (true);

-- Whose clock dates an event. Off: occurred_at is the database's clock for the runtime role
-- (a value inside the inserting transaction, from its start to now, is kept: the platform's
-- functions stamp the event and the rows it describes with one clock_timestamp()). On: the
-- caller's value is kept. Only the owner writes this row; the demo switches it on while it
-- seeds a simulated history and off again (platform/audit/clock.ts). Its name must not
-- contain "audit": it is a mutable row.
CREATE TABLE event_time_policy (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  caller_time boolean NOT NULL DEFAULT false
);
INSERT INTO event_time_policy DEFAULT VALUES;
REVOKE ALL ON event_time_policy FROM PUBLIC;
GRANT SELECT ON event_time_policy TO trust_reader;

CREATE OR REPLACE FUNCTION public.audit_chain_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
DECLARE
  v_held pg_catalog.bool;
BEGIN
  -- The database dates the event unless the value lies inside this transaction. The schema
  -- owner and superusers can disable this trigger, so their value is kept (the test suite and
  -- tools writing fixtures rely on it); the runtime role only while the owner allows it.
  IF NEW.occurred_at IS NULL OR NEW.occurred_at OPERATOR(pg_catalog.<) pg_catalog.now()
     OR NEW.occurred_at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp() THEN
    IF NOT (pg_catalog."session_user"() OPERATOR(pg_catalog.=) 'trust_owner'::pg_catalog.name
            OR coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) pg_catalog."session_user"()), false)
            OR coalesce((SELECT p.caller_time FROM public.event_time_policy p), false)) THEN
      NEW.occurred_at := pg_catalog.clock_timestamp();
    END IF;
  END IF;
  SELECT h.xmin::pg_catalog.text OPERATOR(pg_catalog.=) (pg_catalog.txid_current() OPERATOR(pg_catalog.%) 4294967296)::pg_catalog.text,
         CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.seq ELSE h.seq END,
         CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.hash ELSE h.hash END
    INTO v_held, NEW.seq, NEW.prev_hash
    FROM public.event_chain_head h
    LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
  IF NOT v_held THEN
    -- Take the head (see above), then read again: a concurrent writer may have committed.
    UPDATE public.event_chain_head h SET seq = h.seq WHERE h.singleton;
    SELECT CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.seq ELSE h.seq END,
           CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.hash ELSE h.hash END
      INTO NEW.seq, NEW.prev_hash
      FROM public.event_chain_head h
      LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
  END IF;
  NEW.seq := pg_catalog.int8pl(NEW.seq, 1);
  -- The content line, byte for byte as in 0210 (see there).
  NEW.hash := pg_catalog.sha256(NEW.prev_hash OPERATOR(pg_catalog.||) pg_catalog.convert_to(
    NEW.seq::pg_catalog.text
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.textlike(pg_catalog.current_setting('DateStyle'), 'ISO%')
      THEN pg_catalog.timezone('UTC', NEW.occurred_at)::pg_catalog.text
      ELSE pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.timezone('UTC', NEW.occurred_at), 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') END
    OPERATOR(pg_catalog.||) E'+00\t' OPERATOR(pg_catalog.||) coalesce(NEW.account_id::pg_catalog.text, '\N')
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) CASE
      WHEN pg_catalog.textregexeq(NEW.actor OPERATOR(pg_catalog.||) NEW.action OPERATOR(pg_catalog.||) NEW.subject_type OPERATOR(pg_catalog.||) NEW.subject_id, '[\\\x08-\x0d]')
      THEN public.audit_copy_field(NEW.actor) OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.action)
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.subject_type)
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.subject_id)
      ELSE NEW.actor OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.action
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.subject_type OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.subject_id END
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) pg_catalog.replace(NEW.details::pg_catalog.text, '\', '\\'),
    'UTF8'));
  RETURN NEW;
END $f$;
ALTER FUNCTION public.audit_chain_event() RESET ALL;
REVOKE ALL ON FUNCTION public.audit_chain_event() FROM PUBLIC;

-- At commit (queued by the UPDATE that took the head): the newest event becomes the head.
-- Read from the table, never from anything the caller can set.
CREATE OR REPLACE FUNCTION public.event_chain_head_store() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
  UPDATE public.event_chain_head h SET seq = e.seq, hash = e.hash
    FROM (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e
   WHERE h.singleton AND e.seq > h.seq;
  RETURN NULL;
END $f$;

-- Taking the head now happens inside audit_chain_event(); the separate entry point goes.
DROP FUNCTION IF EXISTS public.audit_chain_take_head();

-- Checkpoints (defect 4). The runtime role may no longer write them: the signer writes them
-- as the schema owner (platform/audit/checkpoint.ts), and a malformed or unfounded checkpoint
-- cannot be stored by anyone while the triggers stand. NOT VALID: rows already stored (a
-- forged one included) stay, since the table is append-only; verification reports them.
REVOKE INSERT ON audit_checkpoints FROM trust_app;
ALTER TABLE audit_checkpoints ADD CONSTRAINT audit_checkpoints_seq_positive CHECK (seq >= 1) NOT VALID;
ALTER TABLE audit_checkpoints ADD CONSTRAINT audit_checkpoints_public_key_pem
  CHECK (public_key ~ '^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]{40,200}-----END PUBLIC KEY-----\n?$') NOT VALID;

-- seq at or below the stored head, hash equal to the event's hash at seq, key_id the
-- fingerprint of the stored public key (first 16 hex of sha256 of its DER, as keys.ts).
CREATE FUNCTION public.audit_checkpoints_match_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  v_head bigint;
  v_hash bytea;
BEGIN
  SELECT h.seq INTO v_head FROM public.event_chain_head h;
  IF NEW.seq > v_head THEN
    RAISE EXCEPTION 'checkpoint at seq % is beyond the chain head (seq %)', NEW.seq, v_head USING ERRCODE = 'check_violation';
  END IF;
  SELECT e.hash INTO v_hash FROM public.audit_events e WHERE e.seq = NEW.seq;
  IF v_hash IS DISTINCT FROM NEW.hash THEN
    RAISE EXCEPTION 'checkpoint at seq % does not carry the hash of event %', NEW.seq, NEW.seq USING ERRCODE = 'check_violation';
  END IF;
  IF left(encode(sha256(decode(regexp_replace(NEW.public_key, '-----[A-Z ]+-----|\s', '', 'g'), 'base64')), 'hex'), 16) <> NEW.key_id THEN
    RAISE EXCEPTION 'checkpoint key_id % is not the fingerprint of its public key', NEW.key_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
REVOKE ALL ON FUNCTION public.audit_checkpoints_match_chain() FROM PUBLIC;
CREATE TRIGGER audit_checkpoints_match_chain BEFORE INSERT ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_match_chain();
-- A refusal: safe to fire everywhere, replica sessions included (see 0240).
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_match_chain;

-- Down Migration
ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_match_chain;
DROP TRIGGER audit_checkpoints_match_chain ON audit_checkpoints;
DROP FUNCTION public.audit_checkpoints_match_chain();
ALTER TABLE audit_checkpoints DROP CONSTRAINT audit_checkpoints_public_key_pem;
ALTER TABLE audit_checkpoints DROP CONSTRAINT audit_checkpoints_seq_positive;
GRANT INSERT ON audit_checkpoints TO trust_app;
DROP TABLE event_time_policy;
DROP POLICY chain_owner_reads ON audit_events;
