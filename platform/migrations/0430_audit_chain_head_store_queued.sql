-- Up Migration
-- The head follows the newest event even after a session rewrote the head row with its triggers
-- off (issue 13, the owner-rewrite attacks).
--
-- 0410's audit_chain_hold() skipped its no-change head UPDATE (the one that queues the deferred
-- event_chain_head_store for commit) when the visible head version was written by this
-- transaction. That is true of the transaction's own hold, but also of a head the schema owner
-- or a superuser rewrote in the same transaction with event_chain_head's triggers disabled:
-- then nothing was queued, the events inserted after the triggers came back were chained
-- behind the rewritten head, and the head stayed there at commit. The chain then disagreed
-- with its own head, a rewrite that looked like a different fault.
--
-- The hold now records which transaction queued the store (store_queued_by, txid_current()),
-- and counts as held only then. The runtime role cannot write this table (SELECT only), so it
-- cannot fake the mark; the owner can, like everything else in the database, which is why the
-- rewrite itself is caught by the transparency log outside it (README, database roles). Inside
-- a savepoint that is rolled back, the mark goes back with the row version, and the queued
-- store with it, so the next event takes the head again.
ALTER TABLE event_chain_head ADD COLUMN store_queued_by bigint;

CREATE OR REPLACE FUNCTION public.audit_chain_hold(OUT seq bigint, OUT hash bytea, OUT keep_time boolean)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  v_held boolean;
BEGIN
  IF pg_trigger_depth() = 0 THEN
    RAISE EXCEPTION 'audit_chain_hold() runs only inside the audit_events triggers' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT h.store_queued_by = txid_current() INTO v_held FROM public.event_chain_head h WHERE h.singleton;
  IF NOT coalesce(v_held, false) THEN
    UPDATE public.event_chain_head h SET store_queued_by = txid_current() WHERE h.singleton;
  END IF;
  SELECT CASE WHEN e.seq > h.seq THEN e.seq ELSE h.seq END,
         CASE WHEN e.seq > h.seq THEN e.hash ELSE h.hash END,
         coalesce(p.caller_time, false) OR session_user = 'trust_owner'::name OR current_setting('is_superuser') = 'on'
    INTO seq, hash, keep_time
    FROM public.event_chain_head h CROSS JOIN public.event_time_policy p
    LEFT JOIN LATERAL (SELECT x.seq, x.hash FROM public.audit_events x ORDER BY x.seq DESC LIMIT 1) e ON true;
END $f$;

-- Down Migration
CREATE OR REPLACE FUNCTION public.audit_chain_hold(OUT seq bigint, OUT hash bytea, OUT keep_time boolean)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
  v_held boolean;
BEGIN
  IF pg_trigger_depth() = 0 THEN
    RAISE EXCEPTION 'audit_chain_hold() runs only inside the audit_events triggers' USING ERRCODE = 'insufficient_privilege';
  END IF;
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
ALTER TABLE event_chain_head DROP COLUMN store_queued_by;
