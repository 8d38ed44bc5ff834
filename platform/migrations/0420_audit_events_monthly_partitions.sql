-- Up Migration
-- audit_events partitioned by month (issue 19, item 2), the chain continuous across partitions.
--
-- Partition key: seq, in RANGE partitions that each hold one month of the chain. Not
-- occurred_at, for three reasons:
--  * PostgreSQL routes a row to its partition on the values as supplied, BEFORE the row
--    triggers run, and refuses a BEFORE trigger that moves it elsewhere. The chain trigger
--    assigns seq and may re-date occurred_at (the runtime role's time outside its transaction
--    becomes the database clock, 0300), so a key on either as computed is impossible; seq as
--    supplied is its DEFAULT below (the largest bigint), which always routes to the open
--    partition [first seq of the month, MAXVALUE), where the trigger's seq then lands too.
--  * A primary key of a partitioned table must contain the partition key: on seq, seq stays
--    unique across the whole chain (on occurred_at it would be unique per month only).
--  * Each partition is then one contiguous stretch of the chain: its first prev_hash is the
--    previous month's last hash, so a month is verified on its own from the previous month's
--    checkpoint, the chain end is found in the open partition alone (ordered partition scans),
--    and detaching the oldest months leaves a suffix that verifies from the checkpoint at the
--    boundary.
-- A month's partition is sealed by audit_close_month() at the chain end when it runs (run it at
-- the month's turn): the events chained until then are that month's. History converted here is
-- split where the first event dated in a later month was chained (on a demo's simulated history
-- dates are nearly in seq order; where they are not, an event stays in the stretch it was chained
-- in, never moves).
--
-- Every partition is held to what the parent promises (partitions must not open a hole):
--  * row triggers are created on the parent and PostgreSQL clones them onto every partition,
--    present and future, with the parent's enabled state (ALWAYS for the guards, PostgreSQL 15+);
--    a partition's copy cannot be dropped alone, and a copy disabled on one partition is judged
--    by the structure checks like the parent's (they now judge partitions too);
--  * statement triggers are not cloned, so audit_partition_secure() gives each partition its own
--    no_change and no_truncate guards (ALWAYS) and the chain's statement triggers (0410), so a
--    direct INSERT into a partition, which only the owner can make, is still chained and checked;
--  * row-level security is enabled and forced on each partition with the parent's account
--    policy: a partition read directly (by its owner or a role later granted it) shows no other
--    account's rows. Read through the parent, the parent's policies apply, as before;
--  * nobody but the owner holds any privilege on a partition: the runtime and reader roles reach
--    events only through audit_events, under its triggers and policies.
--
-- Existing databases: the table is rebuilt once, here, with its rows copied in seq order into the
-- monthly partitions (no trigger fires: the rows keep their seq, times and hashes byte for byte),
-- then its indexes, triggers, policies and grants are made again exactly as 0003-0410 left them.

-- Where each month of the chain lies. Its name must not say audit: the open month's row is
-- mutable (sealed at close, marked at detach); every change is by the owner's functions below.
CREATE TABLE chain_months (
  month date PRIMARY KEY CHECK (month = date_trunc('month', month)),
  partition_name text NOT NULL UNIQUE,
  first_seq bigint NOT NULL CHECK (first_seq >= 1),
  last_seq bigint CHECK (last_seq >= first_seq - 1),
  last_hash bytea CHECK (length(last_hash) = 32),
  closed_at timestamptz,
  detached_at timestamptz,
  -- last_hash is NULL only for a closed month whose last event is missing (a gap, which
  -- verification reports); such a month cannot be detached.
  CHECK ((last_seq IS NULL) = (closed_at IS NULL) AND (last_seq IS NOT NULL OR last_hash IS NULL) AND (detached_at IS NULL OR closed_at IS NOT NULL))
);
-- At most one open month.
CREATE UNIQUE INDEX chain_months_one_open ON chain_months ((true)) WHERE last_seq IS NULL;
REVOKE ALL ON chain_months FROM PUBLIC;
GRANT SELECT ON chain_months TO trust_reader;

-- A partition's own guards (see above). Run by the owner, for every partition it creates.
CREATE FUNCTION public.audit_partition_secure(p_part regclass) RETURNS void LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp AS $f$
BEGIN
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, trust_app, trust_reader', p_part);
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_part);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_part);
  EXECUTE format($p$CREATE POLICY account_isolation ON %s
    USING (account_id = ANY ((SELECT public.current_account_ids())::uuid[]))
    WITH CHECK (account_id IS NULL OR account_id = ANY ((SELECT public.current_account_ids())::uuid[]))$p$, p_part);
  EXECUTE format('CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON %s FOR EACH STATEMENT EXECUTE FUNCTION public.reject_audit_change()', p_part);
  EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION public.reject_audit_change()', p_part);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_no_change', p_part);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_no_truncate', p_part);
  EXECUTE format('CREATE TRIGGER audit_events_chain_begin BEFORE INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION public.audit_chain_begin()', p_part);
  EXECUTE format('CREATE TRIGGER audit_events_chain_check AFTER INSERT ON %s REFERENCING NEW TABLE AS audit_chain_new FOR EACH STATEMENT EXECUTE FUNCTION public.audit_chain_check()', p_part);
END $f$;
REVOKE ALL ON FUNCTION public.audit_partition_secure(regclass) FROM PUBLIC;

-- The old table steps aside (its index names are taken by the new one's).
ALTER TABLE audit_events RENAME TO audit_events_unpartitioned;
ALTER INDEX audit_events_pkey RENAME TO audit_events_unpartitioned_pkey;
ALTER INDEX audit_events_subject RENAME TO audit_events_unpartitioned_subject;
ALTER INDEX audit_events_account RENAME TO audit_events_unpartitioned_account;
ALTER INDEX audit_events_action RENAME TO audit_events_unpartitioned_action;

-- Same columns, defaults and CHECK constraints (0003).
CREATE TABLE audit_events (LIKE audit_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (seq);
-- Routing only (see above): the chain trigger always assigns seq; a row written with the triggers
-- off and no seq would carry this value, which verification reports.
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT 9223372036854775807;

-- The months of the history, each from the first event dated in it or later, and the rows.
DO $do$
DECLARE
  m record;
  v_months date[];
  v_from bigint[];
  v_last bigint;
  v_name text;
  i int;
BEGIN
  SELECT array_agg(x.month ORDER BY x.month), array_agg(x.first ORDER BY x.month) INTO v_months, v_from FROM (
    SELECT mo.month, (SELECT min(e.seq) FROM audit_events_unpartitioned e WHERE e.occurred_at >= mo.month::timestamp AT TIME ZONE 'UTC') AS first
      FROM (SELECT DISTINCT date_trunc('month', e.occurred_at AT TIME ZONE 'UTC')::date AS month FROM audit_events_unpartitioned e) mo) x;
  IF v_months IS NULL THEN
    -- An empty chain: one open month, the current one.
    v_months := ARRAY[date_trunc('month', now() AT TIME ZONE 'UTC')::date];
    v_from := ARRAY[1::bigint];
  END IF;
  -- The first month also takes every event before its first dated one (none, or out of order).
  v_from[1] := 1;
  FOR i IN 1 .. array_length(v_months, 1) LOOP
    -- A month whose stretch is empty (its first event was chained after a later month's) joins the next.
    CONTINUE WHEN i < array_length(v_months, 1) AND v_from[i + 1] <= v_from[i];
    v_name := 'audit_events_y' || to_char(v_months[i], 'YYYY') || 'm' || to_char(v_months[i], 'MM');
    IF i = array_length(v_months, 1) THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%s) TO (MAXVALUE)', v_name, CASE WHEN i = 1 THEN 'MINVALUE' ELSE v_from[i]::text END);
      INSERT INTO chain_months (month, partition_name, first_seq) VALUES (v_months[i], v_name, v_from[i]);
    ELSE
      EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%s) TO (%s)', v_name, CASE WHEN i = 1 THEN 'MINVALUE' ELSE v_from[i]::text END, v_from[i + 1]);
      v_last := v_from[i + 1] - 1;
      INSERT INTO chain_months (month, partition_name, first_seq, last_seq, last_hash, closed_at)
        VALUES (v_months[i], v_name, v_from[i], v_last, (SELECT e.hash FROM audit_events_unpartitioned e WHERE e.seq = v_last), now());
    END IF;
  END LOOP;
END $do$;
INSERT INTO audit_events SELECT * FROM audit_events_unpartitioned ORDER BY seq;

ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (seq);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_account ON audit_events (account_id, occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, seq);

-- Triggers as 0003, 0200, 0210, 0240, 0320 and 0410 left them.
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_chain_event();
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  lower(NEW.details::text) LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%', '%password": %', '%secret": %', '%token": %', '%api\_key": %'])
  AND (NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
    OR lower(NEW.details::text) LIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %']))
) EXECUTE FUNCTION audit_details_no_secrets();
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_chain_begin BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_begin();
CREATE TRIGGER audit_events_chain_check AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS audit_chain_new FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_check();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_change;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_secrets;

-- Row-level security and policies as 0003, 0210 and 0300 left them.
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON audit_events
  USING (account_id = ANY ((SELECT current_account_ids())::uuid[]))
  WITH CHECK (account_id IS NULL OR account_id = ANY ((SELECT current_account_ids())::uuid[]));
CREATE POLICY reader_sees_all ON audit_events FOR SELECT TO trust_reader USING (true);
CREATE POLICY chain_owner_reads ON audit_events FOR SELECT TO trust_owner USING (true);

REVOKE ALL ON audit_events FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events TO trust_app;
GRANT SELECT ON audit_events TO trust_reader;

DO $do$
DECLARE p regclass;
BEGIN
  FOR p IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'public.audit_events'::regclass LOOP
    PERFORM public.audit_partition_secure(p);
  END LOOP;
END $do$;

-- The old table goes (its guards refuse a DROP of rows, not of the table; the rows are copied).
DROP TABLE audit_events_unpartitioned;

-- Seals the open month at the chain end and opens the current month: the owner's monthly step,
-- after which the caller signs a checkpoint at the sealed month's last seq (platform/audit/months.ts)
-- and the witness logs it. Holds the chain head meanwhile, so no event is chained during the
-- switch; the partition keeps its rows and name, only its upper bound is set (a CHECK validated
-- first lets ATTACH skip its scan). Refuses to close the current month. An empty open month is
-- renamed to the current one (nothing is ever dropped). Returns the sealed month (NULLs when it was empty).
CREATE FUNCTION public.audit_close_month(OUT month date, OUT last_seq bigint, OUT last_hash bytea)
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $f$
DECLARE
  o record;
  v_now date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  v_name text := 'audit_events_y' || to_char(v_now, 'YYYY') || 'm' || to_char(v_now, 'MM');
  v_bound text;
BEGIN
  SELECT * INTO o FROM public.chain_months c WHERE c.last_seq IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no open month in chain_months' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF o.month >= v_now THEN
    RAISE EXCEPTION 'month % is not over yet', to_char(o.month, 'YYYY-MM') USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  -- The table first, then the head: a writer holds its lock on audit_events from its first
  -- INSERT and only then waits for the head, so taking the head first could deadlock with the
  -- DETACH below. Every writer in flight commits before this returns; new ones wait for us.
  LOCK TABLE public.audit_events IN ACCESS EXCLUSIVE MODE;
  UPDATE public.event_chain_head h SET seq = h.seq WHERE h.singleton;
  -- Read through the parent (its chain_owner_reads policy): the partition's own forced policy
  -- shows its owner only the rows of the accounts it acts for.
  SELECT e.seq, e.hash INTO last_seq, last_hash FROM public.audit_events e WHERE e.seq >= o.first_seq ORDER BY e.seq DESC LIMIT 1;
  IF last_seq IS NULL THEN
    -- Nothing was chained in that month: the partition (empty, never dropped) becomes the current month's.
    EXECUTE format('ALTER TABLE public.%I RENAME TO %I', o.partition_name, v_name);
    UPDATE public.chain_months c SET month = v_now, partition_name = v_name WHERE c.month = o.month;
    RETURN;
  END IF;
  v_bound := CASE WHEN o.first_seq = 1 THEN 'MINVALUE' ELSE o.first_seq::text END;
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (seq >= %s::bigint AND seq < %s::bigint)', o.partition_name, o.partition_name || '_sealed', o.first_seq, last_seq + 1);
  EXECUTE format('ALTER TABLE public.audit_events DETACH PARTITION %I', o.partition_name);
  EXECUTE format('ALTER TABLE public.audit_events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', o.partition_name, v_bound, last_seq + 1);
  UPDATE public.chain_months c SET last_seq = audit_close_month.last_seq, last_hash = audit_close_month.last_hash, closed_at = now() WHERE c.month = o.month;
  month := o.month;
  EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_events FOR VALUES FROM (%s) TO (MAXVALUE)', v_name, last_seq + 1);
  PERFORM public.audit_partition_secure(format('public.%I', v_name)::regclass);
  INSERT INTO public.chain_months (month, partition_name, first_seq) VALUES (v_now, v_name, last_seq + 1);
END $f$;
REVOKE ALL ON FUNCTION public.audit_close_month() FROM PUBLIC;

-- Detaches the oldest attached closed month (for cold storage: dump the table, keep its log
-- entries, then drop it). Only from the bottom, so what stays is one stretch of the chain, and
-- only once a checkpoint at the month's last seq carries its last hash: verification of the rest
-- starts there (platform/audit/verify.ts). The detached table keeps its own guards.
CREATE FUNCTION public.audit_detach_month(p_month date) RETURNS text
  LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $f$
DECLARE
  o record;
BEGIN
  SELECT * INTO o FROM public.chain_months c WHERE c.month = p_month FOR UPDATE;
  IF NOT FOUND OR o.last_seq IS NULL OR o.detached_at IS NOT NULL THEN
    RAISE EXCEPTION 'month % is not a closed, attached month', p_month USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF EXISTS (SELECT 1 FROM public.chain_months c WHERE c.month < p_month AND c.detached_at IS NULL) THEN
    RAISE EXCEPTION 'an older month is still attached: detach months oldest first' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.audit_checkpoints k WHERE k.seq = o.last_seq AND k.hash = o.last_hash) THEN
    RAISE EXCEPTION 'month % has no checkpoint at its last event (seq %)', p_month, o.last_seq USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  EXECUTE format('ALTER TABLE public.audit_events DETACH PARTITION %I', o.partition_name);
  UPDATE public.chain_months c SET detached_at = now() WHERE c.month = p_month;
  RETURN o.partition_name;
END $f$;
REVOKE ALL ON FUNCTION public.audit_detach_month(date) FROM PUBLIC;

-- What the witness and the gate read: every closed month with its last event, and whether a
-- checkpoint carries it (a closed month without one is not yet provable once detached).
CREATE VIEW audit_closed_months AS
  SELECT c.month, c.partition_name, c.first_seq, c.last_seq, encode(c.last_hash, 'hex') AS last_hash, c.closed_at, c.detached_at,
         EXISTS (SELECT 1 FROM audit_checkpoints k WHERE k.seq = c.last_seq AND k.hash = c.last_hash) AS checkpointed
    FROM chain_months c WHERE c.last_seq IS NOT NULL;
REVOKE ALL ON audit_closed_months FROM PUBLIC;
GRANT SELECT ON audit_closed_months TO trust_reader;

-- Down Migration
-- Back to one table: rows copied in seq order, guards as 0410 left them. Detached months stay
-- detached (their tables remain where they are).
DROP VIEW audit_closed_months;
DROP FUNCTION public.audit_detach_month(date);
DROP FUNCTION public.audit_close_month();
ALTER TABLE audit_events RENAME TO audit_events_partitioned;
ALTER INDEX audit_events_pkey RENAME TO audit_events_partitioned_pkey;
ALTER INDEX audit_events_subject RENAME TO audit_events_partitioned_subject;
ALTER INDEX audit_events_account RENAME TO audit_events_partitioned_account;
ALTER INDEX audit_events_action RENAME TO audit_events_partitioned_action;
CREATE TABLE audit_events (LIKE audit_events_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT;
INSERT INTO audit_events SELECT * FROM audit_events_partitioned ORDER BY seq;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (seq);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);
CREATE INDEX audit_events_account ON audit_events (account_id, occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_chain_event();
CREATE TRIGGER audit_events_no_secrets BEFORE INSERT ON audit_events FOR EACH ROW WHEN (
  lower(NEW.details::text) LIKE ANY (ARRAY['%tev1:%', '%hck\_%', '%hcv\_%', '%$2%', '%password": %', '%secret": %', '%token": %', '%api\_key": %'])
  AND (NEW.details::text ~ '(tev1:[0-9]+:|hck_(read|manage|admin)_[0-9a-f]{8,}|hcv_[0-9a-f]{8,}|\$2[aby]\$[0-9]{2}\$)'
    OR lower(NEW.details::text) LIKE ANY (ARRAY['%password": %', '%secret": %', '%token": %', '%api\_key": %']))
) EXECUTE FUNCTION audit_details_no_secrets();
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER audit_events_chain_begin BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_begin();
CREATE TRIGGER audit_events_chain_check AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS audit_chain_new FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_check();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_change;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_secrets;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON audit_events
  USING (account_id = ANY ((SELECT current_account_ids())::uuid[]))
  WITH CHECK (account_id IS NULL OR account_id = ANY ((SELECT current_account_ids())::uuid[]));
CREATE POLICY reader_sees_all ON audit_events FOR SELECT TO trust_reader USING (true);
CREATE POLICY chain_owner_reads ON audit_events FOR SELECT TO trust_owner USING (true);
REVOKE ALL ON audit_events FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events TO trust_app;
GRANT SELECT ON audit_events TO trust_reader;
DROP TABLE audit_events_partitioned;
DROP FUNCTION public.audit_partition_secure(regclass);
DROP TABLE chain_months;
