-- Up Migration
-- The chain trigger without a query per event, and still nothing the caller can set decides
-- what is stored (issue 13 defect 1 stays closed; audit-insert-chained back above 0.5x).
--
-- 0300/0320 read the head and the newest event once per event so that no caller-settable
-- value could steer the chain; that query cost two thirds of the insert throughput. Instead of
-- trusting a value, this migration CHECKS the result, once per statement:
--
--  1. audit_chain_begin() (BEFORE INSERT, FOR EACH STATEMENT) takes the head for this
--     transaction exactly as 0300 did (a no-change UPDATE that waits for a concurrent writer and
--     queues event_chain_head_store for commit; skipped when the visible head version is this
--     transaction's own), reads where the chain continues (the newer of the stored head and
--     the newest event, as 0300) and leaves it in the session variable trust.audit_chain as a
--     HINT: '<txid>:<seq>:<hash hex>:<t|f: the event-time switch allows the caller's time>'.
--  2. audit_chain_event() (BEFORE INSERT, FOR EACH ROW) continues from the hint and moves it on
--     one event: no table is read. Without a hint of this transaction (a statement whose
--     statement trigger did not fire), it takes the head itself, as 0300.
--  3. audit_chain_check() (AFTER INSERT, FOR EACH STATEMENT, with the statement's rows as a
--     transition table) holds the head (taking it if needed) and refuses the statement unless,
--     from the head onwards, the events from the statement's lowest seq to the chain's end
--     form one chain: each event's seq is its predecessor's plus one and its prev_hash is its
--     predecessor's hash, where the predecessor of the lowest one is the stored head or an
--     event above it (so a tail removed behind the chain's back stays a visible gap, as 0300),
--     and, unless the owner's event-time switch (or the owner's or a superuser's session)
--     allows caller time, every event of the statement is dated inside its transaction.
--
-- Why the hint needs no protection. The caller CAN write trust.audit_chain (any session can set
-- a custom variable, even between two rows of one statement, from a function in its SELECT
-- list), and may replay a value saved inside a savepoint it rolled back. But the hint only
-- chooses seq and prev_hash (and whether a caller's time is kept); the hash is always computed
-- here from the row as stored and the prev_hash it got. So whatever the hint said, the rows
-- either form the one chain the check demands (then they are exactly what the trusted path
-- would have stored) or the statement fails: a skipped seq, a repeated or past seq (a fork),
-- a prev_hash that is not the predecessor's, a continuation from rows a rolled-back savepoint
-- removed, or a backdated time all fail step 3. A forged hint can only make its own statement
-- fail, which the caller could do anyway. The head row is written only by
-- event_chain_head_store() at commit, from the newest stored event (0300), never from the hint.
--
-- Concurrency. Step 1 (or, without it, step 2's fallback) takes the head row before the first
-- event of a statement is chained, so concurrent writers queue on it until commit, as before;
-- under REPEATABLE READ a concurrent commit is a serialization failure (retried by
-- withTransaction). Step 3 holds the head too, so even a statement chained from a forged hint
-- without the head (a partition written directly, say) is checked against every committed
-- event after waiting for the holder: two transactions cannot both pass with the same seq.
-- Step 3 reads under the statement's own snapshot rules: READ COMMITTED sees every committed
-- event once the head is held, and under REPEATABLE READ no other transaction can have
-- committed events after our snapshot while we held the head.
--
-- Cost: per event, the hint's parse and set (a few function calls, no query); per statement,
-- two short queries, an index range scan over the statement's events and the transition
-- table. The owner and superusers can still disable every trigger here; only the external
-- log catches them (README, What each database role can and cannot do).

-- Step 1 and step 2's fallback: hold the head for this transaction and say where the chain
-- continues. Owner's rights (it writes the head, reads every account's newest event); it runs
-- only inside a trigger.
CREATE FUNCTION public.audit_chain_hold(OUT seq bigint, OUT hash bytea, OUT keep_time boolean)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  v_held boolean;
BEGIN
  IF pg_trigger_depth() = 0 THEN
    RAISE EXCEPTION 'audit_chain_hold() runs only inside the audit_events triggers' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The visible head version is ours when this transaction (top level) wrote it; inside a
  -- savepoint the version carries the subtransaction's xid and the head is taken again: correct,
  -- only slower (0300).
  SELECT h.xmin::text = (txid_current() % 4294967296)::text INTO v_held FROM public.event_chain_head h WHERE h.singleton;
  IF NOT coalesce(v_held, false) THEN
    UPDATE public.event_chain_head h SET seq = h.seq WHERE h.singleton;
  END IF;
  SELECT CASE WHEN e.seq > h.seq THEN e.seq ELSE h.seq END,
         CASE WHEN e.seq > h.seq THEN e.hash ELSE h.hash END,
         coalesce(p.caller_time, false) OR session_user = 'trust_owner'::name OR current_setting('is_superuser') = 'on'
    INTO seq, hash, keep_time
    FROM public.event_chain_head h CROSS JOIN public.event_time_policy p
    LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
END $f$;
REVOKE ALL ON FUNCTION public.audit_chain_hold() FROM PUBLIC;
-- The row trigger runs with the inserting role's rights (its fast path reads no table) and
-- calls this only for its fallback.
GRANT EXECUTE ON FUNCTION public.audit_chain_hold() TO trust_app;

CREATE FUNCTION public.audit_chain_begin() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  c record;
BEGIN
  SELECT * INTO c FROM public.audit_chain_hold();
  PERFORM set_config('trust.audit_chain', txid_current()::text || ':' || c.seq::text || ':' || encode(c.hash, 'hex')
    || ':' || CASE WHEN c.keep_time THEN 't' ELSE 'f' END, false);
  RETURN NULL;
END $f$;
REVOKE ALL ON FUNCTION public.audit_chain_begin() FROM PUBLIC;

-- Step 2, per event. No SECURITY DEFINER and no SET clause (each costs per call), so, as in
-- 0210, every name is schema-qualified, operators included. The content line is byte for byte
-- that of 0210/0320 (see there).
CREATE OR REPLACE FUNCTION public.audit_chain_event() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  v_hint pg_catalog.text := pg_catalog.current_setting('trust.audit_chain', true);
  v_xid pg_catalog.text := pg_catalog.txid_current()::pg_catalog.text;
  v_keep pg_catalog.bool;
  v_set pg_catalog.text;
BEGIN
  IF pg_catalog.texteq(pg_catalog.split_part(v_hint, ':', 1), v_xid) THEN
    NEW.seq := pg_catalog.int8pl(pg_catalog.split_part(v_hint, ':', 2)::pg_catalog.int8, 1);
    NEW.prev_hash := pg_catalog.decode(pg_catalog.split_part(v_hint, ':', 3), 'hex');
    v_keep := pg_catalog.texteq(pg_catalog.split_part(v_hint, ':', 4), 't');
  ELSE
    SELECT pg_catalog.int8pl(c.seq, 1), c.hash, c.keep_time INTO NEW.seq, NEW.prev_hash, v_keep FROM public.audit_chain_hold() c;
  END IF;
  -- The database dates the event unless the value lies inside this transaction or caller time
  -- is allowed (0320); audit_chain_check() refuses a statement that kept any other time.
  IF (NEW.occurred_at IS NULL OR NEW.occurred_at OPERATOR(pg_catalog.<) pg_catalog.now()
      OR NEW.occurred_at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp()) AND NOT v_keep THEN
    NEW.occurred_at := pg_catalog.clock_timestamp();
  END IF;
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
  -- Session scope: a LOCAL value would not outlive the row (see 0003); a rolled-back savepoint
  -- restores the value it had, and step 1 rewrites it for every statement anyway.
  v_set := pg_catalog.set_config('trust.audit_chain', v_xid OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) NEW.seq::pg_catalog.text
    OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) pg_catalog.encode(NEW.hash, 'hex')
    OPERATOR(pg_catalog.||) CASE WHEN v_keep THEN ':t' ELSE ':f' END, false);
  RETURN NEW;
END $f$;
ALTER FUNCTION public.audit_chain_event() SECURITY INVOKER;
ALTER FUNCTION public.audit_chain_event() RESET ALL;
REVOKE ALL ON FUNCTION public.audit_chain_event() FROM PUBLIC;

-- Step 3. Raises (SQLSTATE 23514, check_violation) on anything but one continuous chain.
CREATE FUNCTION public.audit_chain_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  v_min bigint;
  v_n bigint;
  v_head record;
  v_broken record;
BEGIN
  SELECT min(n.seq), count(*) INTO v_min, v_n FROM audit_chain_new n;
  IF v_n = 0 THEN RETURN NULL; END IF;
  -- Hold the head (normally held since step 1: then this only reads it).
  SELECT * INTO v_head FROM public.audit_chain_hold();
  SELECT h.seq, h.hash INTO v_head FROM public.event_chain_head h WHERE h.singleton;
  IF v_min <= v_head.seq THEN
    RAISE EXCEPTION 'audit chain: an event of this statement has seq %, at or below the chain head (seq %)', v_min, v_head.seq
      USING ERRCODE = 'check_violation';
  END IF;
  -- From the head (sorted after an event of the same seq, so it is the predecessor there, as
  -- in 0300) or the event before the statement's first, to the end of the chain.
  SELECT y.seq, y.lseq INTO v_broken FROM (
    SELECT x.seq, x.prev_hash, lag(x.seq) OVER w AS lseq, lag(x.hash) OVER w AS lhash
      FROM (SELECT v_head.seq AS seq, NULL::bytea AS prev_hash, v_head.hash AS hash, 1 AS src
            UNION ALL
            SELECT e.seq, e.prev_hash, e.hash, 0 FROM public.audit_events e WHERE e.seq >= v_min - 1) x
    WINDOW w AS (ORDER BY x.seq, x.src)) y
   WHERE y.seq >= v_min AND (y.lseq IS DISTINCT FROM y.seq - 1 OR y.lhash IS DISTINCT FROM y.prev_hash)
   ORDER BY y.seq LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'audit chain: event seq % does not continue the chain (its predecessor is seq %)', v_broken.seq, coalesce(v_broken.lseq::text, 'missing')
      USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (SELECT coalesce(p.caller_time, false) FROM public.event_time_policy p)
     AND session_user <> 'trust_owner'::name AND current_setting('is_superuser') <> 'on'
     AND EXISTS (SELECT 1 FROM audit_chain_new n WHERE NOT (n.occurred_at >= now() AND n.occurred_at <= clock_timestamp())) THEN
    RAISE EXCEPTION 'audit chain: an event of this statement is dated outside its transaction' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $f$;
REVOKE ALL ON FUNCTION public.audit_chain_check() FROM PUBLIC;

CREATE TRIGGER audit_events_chain_begin BEFORE INSERT ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_begin();
CREATE TRIGGER audit_events_chain_check AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS audit_chain_new FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_check();

-- Down Migration
DROP TRIGGER audit_events_chain_check ON audit_events;
DROP TRIGGER audit_events_chain_begin ON audit_events;
DROP FUNCTION public.audit_chain_check();
DROP FUNCTION public.audit_chain_begin();
-- 0320's per-event query, restored.
CREATE OR REPLACE FUNCTION public.audit_chain_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
DECLARE
  v_held pg_catalog.bool;
  v_caller_time pg_catalog.bool;
BEGIN
  SELECT h.xmin::pg_catalog.text OPERATOR(pg_catalog.=) (pg_catalog.txid_current() OPERATOR(pg_catalog.%) 4294967296)::pg_catalog.text,
         CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.seq ELSE h.seq END,
         CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.hash ELSE h.hash END,
         p.caller_time
    INTO v_held, NEW.seq, NEW.prev_hash, v_caller_time
    FROM public.event_chain_head h CROSS JOIN public.event_time_policy p
    LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
  IF (NEW.occurred_at IS NULL OR NEW.occurred_at OPERATOR(pg_catalog.<) pg_catalog.now()
      OR NEW.occurred_at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp())
     AND NOT (v_caller_time OR pg_catalog."session_user"() OPERATOR(pg_catalog.=) 'trust_owner'::pg_catalog.name
              OR pg_catalog.current_setting('is_superuser') OPERATOR(pg_catalog.=) 'on') THEN
    NEW.occurred_at := pg_catalog.clock_timestamp();
  END IF;
  IF NOT v_held THEN
    UPDATE public.event_chain_head h SET seq = h.seq WHERE h.singleton;
    SELECT CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.seq ELSE h.seq END,
           CASE WHEN e.seq OPERATOR(pg_catalog.>) h.seq THEN e.hash ELSE h.hash END
      INTO NEW.seq, NEW.prev_hash
      FROM public.event_chain_head h
      LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
  END IF;
  NEW.seq := pg_catalog.int8pl(NEW.seq, 1);
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
DROP FUNCTION public.audit_chain_hold();
