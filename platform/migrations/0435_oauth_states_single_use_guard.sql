-- Up Migration
-- OAuth states stay single-use against the runtime role itself (issue 12: a guard that exists
-- is not a promise that holds).
--
-- Before: the UNIQUE state hash stopped a consumed state from being stored twice, but the
-- runtime role could still reuse one by writing the row: UPDATE ... SET consumed_at = NULL,
-- a later expires_at (with created_at moved along, the 15-minute CHECK still held), or DELETE
-- the consumed row and INSERT its hash again. And an INSERT could choose created_at, so a
-- state "expiring within 15 minutes of its creation" could live for years.
--
-- Now:
--  - the database dates each state (created_at := now()), and a new state is unconsumed;
--  - the only change a row accepts is its consumption: consumed_at from NULL to the current
--    time; the hash, provider, times and a consumption are never rewritten. The account column
--    is left to row-level security, whose WITH CHECK refuses moving a state to another
--    account (and whose refusal the cross-account probe records);
--  - a state is deleted only once it has expired (the retention job) or with its account (the
--    purge of an open deletion request, or the account row's ON DELETE CASCADE): never while it
--    could still be presented, so its hash cannot be stored afresh in its lifetime.
-- Refusals are 42501 (insufficient_privilege): the role may not do this to a state.
-- The schema owner and superusers keep the times they write and may delete (fixtures and tests
-- age and remove states; they can disable this trigger anyway, as with the audit clock in 0320);
-- a consumption stays a consumption for everyone.
CREATE FUNCTION public.oauth_states_single_use() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.expires_at <= now() OR session_user = 'trust_owner'::name OR current_setting('is_superuser') = 'on'
       OR EXISTS (SELECT 1 FROM public.deletion_requests d WHERE d.account_id = OLD.account_id AND d.completed_at IS NULL)
       OR NOT EXISTS (SELECT 1 FROM public.accounts a WHERE a.id = OLD.account_id) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'oauth_states: a state is deleted only once it has expired, or with its account' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT (session_user = 'trust_owner'::name OR current_setting('is_superuser') = 'on') THEN
      NEW.created_at := now();
    END IF;
    IF NEW.consumed_at IS NOT NULL THEN
      RAISE EXCEPTION 'oauth_states: a new state cannot be stored as consumed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.state_hash IS DISTINCT FROM OLD.state_hash OR NEW.provider IS DISTINCT FROM OLD.provider
     OR ((NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at)
         AND NOT (session_user = 'trust_owner'::name OR current_setting('is_superuser') = 'on')) THEN
    RAISE EXCEPTION 'oauth_states: a state''s hash, provider and times never change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.consumed_at IS NOT NULL AND NEW.consumed_at IS DISTINCT FROM OLD.consumed_at THEN
    RAISE EXCEPTION 'oauth_states: a consumed state stays consumed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.consumed_at IS NULL AND NEW.consumed_at IS NOT NULL AND NEW.consumed_at IS DISTINCT FROM now() THEN
    RAISE EXCEPTION 'oauth_states: a state is consumed at the current time' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $f$;
REVOKE ALL ON FUNCTION public.oauth_states_single_use() FROM PUBLIC;
CREATE TRIGGER oauth_states_single_use BEFORE INSERT OR UPDATE OR DELETE ON oauth_states
  FOR EACH ROW EXECUTE FUNCTION oauth_states_single_use();
-- A refusal: safe to fire in every session, replica sessions included (see 0240).
ALTER TABLE oauth_states ENABLE ALWAYS TRIGGER oauth_states_single_use;

-- Down Migration
DROP TRIGGER oauth_states_single_use ON oauth_states;
DROP FUNCTION public.oauth_states_single_use();
