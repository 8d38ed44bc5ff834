-- Up Migration
-- A cheaper audit write, same guarantees. Every event is still hashed and chained in the
-- database by audit_chain_event() (BEFORE INSERT, audit_events_chain), serialised on the
-- event_chain_head row; details that carry a secret are still refused; nothing changes
-- for UPDATE, DELETE or TRUNCATE, and the content bytes are the same (0003, 0200).

-- The first event of a transaction takes the chain head: a no-change UPDATE that waits for
-- a concurrent writer, returns the newest committed head and queues the deferred
-- event_chain_head_store trigger (0200), which writes the transaction's last seq and hash
-- at commit. This is the only step that needs rights on event_chain_head, so it is the one
-- step that runs with its owner's rights. The runtime role gets EXECUTE (the chain trigger
-- runs as the inserting role and calls it); it still has no privilege on the head beyond
-- SELECT, outside a trigger the function refuses to run, and what it does (lock the head
-- until commit) is what any INSERT into audit_events already does.
CREATE FUNCTION public.audit_chain_take_head(OUT head_seq bigint, OUT head_hash bytea)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
  IF pg_catalog.pg_trigger_depth() = 0 THEN
    RAISE EXCEPTION 'audit_chain_take_head() runs only inside the audit_events_chain trigger'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE public.event_chain_head h SET seq = h.seq WHERE h.singleton RETURNING h.seq, h.hash INTO head_seq, head_hash;
END $f$;
REVOKE ALL ON FUNCTION public.audit_chain_take_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.audit_chain_take_head() TO trust_app;

-- The per-row chain trigger now runs with the rights of the inserting role: no SECURITY
-- DEFINER, no SET clause (a function with SET clauses switches and restores the setting on
-- every call). It touches no table except through audit_chain_take_head(). As it resolves names through the
-- caller's search_path, every name in it is schema-qualified: functions as pg_catalog.* or
-- public.*, types as pg_catalog.* (a caller may create temporary tables, whose row types
-- would otherwise shadow an unqualified type name), and operators as OPERATOR(pg_catalog.||)
-- or as the function behind them (texteq, int8pl). Concatenation is ||, not concat() or
-- concat_ws(): those look up an output function per argument on every call.
--
-- The content line is built here in one expression over NEW, each piece once: the text of
-- details is produced once, and the timestamp is printed by the server's own timestamp
-- output when the session's DateStyle is ISO (the output COPY uses under DateStyle=ISO:
-- YYYY-MM-DD HH:MM:SS with trailing zeros of the fraction, then a bare point, dropped),
-- or by to_char otherwise. The bytes are those of audit_content_bytes() (0200), which
-- test/platform/audit.test.ts checks against COPY and against every stored hash.
-- NULL in a NOT NULL column yields some line, but that row is refused by the NOT NULL
-- constraint checked after BEFORE triggers, so no stored hash depends on it.
CREATE OR REPLACE FUNCTION public.audit_chain_event() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  v_cache pg_catalog.text := pg_catalog.current_setting('trust.audit_chain', true);
  v_set pg_catalog.text;
BEGIN
  -- The session cache '<xid>:<seq>:<hash hex>' continues the chain within a transaction
  -- (see 0003 and 0200); any other value means this is the transaction's first event.
  IF pg_catalog.texteq(pg_catalog.split_part(v_cache, ':', 1), pg_catalog.txid_current()::pg_catalog.text) THEN
    NEW.seq := pg_catalog.int8pl(pg_catalog.split_part(v_cache, ':', 2)::pg_catalog.int8, 1);
    NEW.prev_hash := pg_catalog.decode(pg_catalog.split_part(v_cache, ':', 3), 'hex');
  ELSE
    SELECT pg_catalog.int8pl(h.head_seq, 1), h.head_hash INTO NEW.seq, NEW.prev_hash FROM public.audit_chain_take_head() h;
  END IF;
  NEW.hash := pg_catalog.sha256(NEW.prev_hash OPERATOR(pg_catalog.||) pg_catalog.convert_to(
    NEW.seq::pg_catalog.text
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.textlike(pg_catalog.current_setting('DateStyle'), 'ISO%')
      THEN pg_catalog.timezone('UTC', NEW.occurred_at)::pg_catalog.text
      ELSE pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.timezone('UTC', NEW.occurred_at), 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.') END
    -- A uuid's text needs no escape.
    OPERATOR(pg_catalog.||) E'+00\t' OPERATOR(pg_catalog.||) coalesce(NEW.account_id::pg_catalog.text, '\N')
    -- actor, action, subject_type, subject_id: COPY escapes backslash and 0x08-0x0d.
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) CASE
      WHEN pg_catalog.textregexeq(NEW.actor OPERATOR(pg_catalog.||) NEW.action OPERATOR(pg_catalog.||) NEW.subject_type OPERATOR(pg_catalog.||) NEW.subject_id, '[\\\x08-\x0d]')
      THEN public.audit_copy_field(NEW.actor) OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.action)
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.subject_type)
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) public.audit_copy_field(NEW.subject_id)
      ELSE NEW.actor OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.action
        OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.subject_type OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) NEW.subject_id END
    -- In jsonb's text a backslash is the only byte COPY escapes (0200).
    OPERATOR(pg_catalog.||) E'\t' OPERATOR(pg_catalog.||) pg_catalog.replace(NEW.details::pg_catalog.text, '\', '\\'),
    'UTF8'));
  -- Session scope, tagged with the transaction id (see 0003). An assignment, not PERFORM:
  -- PERFORM runs a whole query through SPI for every event.
  v_set := pg_catalog.set_config('trust.audit_chain', pg_catalog.txid_current()::pg_catalog.text OPERATOR(pg_catalog.||) ':'
    OPERATOR(pg_catalog.||) NEW.seq::pg_catalog.text OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) pg_catalog.encode(NEW.hash, 'hex'), false);
  RETURN NEW;
END $f$;
ALTER FUNCTION public.audit_chain_event() RESET ALL;

-- The secret guard (0200) refuses the same shapes, and the text of details is lowered once
-- and scanned once for the common case. Every shape it refuses contains one of eight
-- literals, in any case: a value shape starts with tev1:, hck_, hcv_ or $2 (matched
-- case-insensitively here, which only widens this first filter), and a key shape is a key
-- ending in password, secret, token or api_key (ILIKE on a UTF8 database is defined as
-- lower(text) LIKE lower(pattern)). Only text that holds one of them is tested further,
-- exactly as before: the case-sensitive regular expression for values, the key patterns.
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  lower(NEW.details::text) LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%', '%password": %', '%secret": %', '%token": %', '%api\_key": %'])
  AND (NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
    OR lower(NEW.details::text) LIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %']))
) EXECUTE FUNCTION audit_details_no_secrets();

-- Row-level security on audit_events filters on the same accounts, read once per statement
-- (an initplan) instead of once per row: current_account_ids() is STABLE, so within a
-- statement every row saw the same list anyway. Parsing the account list for every
-- inserted event cost more than hashing it.
ALTER POLICY account_isolation ON audit_events
  USING (account_id = ANY ((SELECT current_account_ids())::uuid[]))
  WITH CHECK (account_id IS NULL OR account_id = ANY ((SELECT current_account_ids())::uuid[]));

-- Down Migration
ALTER POLICY account_isolation ON audit_events
  USING (account_id = ANY (current_account_ids()))
  WITH CHECK (account_id IS NULL OR account_id = ANY (current_account_ids()));
DROP TRIGGER audit_events_no_secrets ON audit_events;
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  (NEW.details::text LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%'])
    AND NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)')
  OR NEW.details::text ILIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %'])
) EXECUTE FUNCTION audit_details_no_secrets();
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
  PERFORM set_config('trust.audit_chain', v_xid || ':' || NEW.seq || ':' || encode(NEW.hash, 'hex'), false);
  RETURN NEW;
END $f$;
DROP FUNCTION public.audit_chain_take_head();
