-- Up Migration
-- A refusal the services turn into PlatformError(code): SQLSTATE PT001, code in HINT.
CREATE FUNCTION platform_refuse(p_code text, p_message text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION '%', p_message USING ERRCODE = 'PT001', HINT = p_code;
END $f$;

-- plpgsql rather than sql: a non-inlinable SQL function is planned at every call,
-- plpgsql caches the INSERT's plan for the session.
CREATE FUNCTION audit_record(p_at timestamptz, p_account uuid, p_actor text, p_action text,
  p_subject_type text, p_subject_id text, p_details jsonb) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details)
  VALUES (p_at, p_account, p_actor, p_action, p_subject_type, p_subject_id, p_details);
END $f$;

-- One agent = one dedicated server, tunnel and disk (UNIQUE references), an image,
-- environment and platform version frozen at provisioning, a region fixed for life.
CREATE TABLE agents (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  region text NOT NULL,
  product text NOT NULL DEFAULT 'agent' CHECK (product = 'agent'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  image_digest text NOT NULL CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$'),
  env jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(env) = 'object'),
  platform_version text NOT NULL CHECK (length(platform_version) BETWEEN 1 AND 50),
  server_id uuid NOT NULL UNIQUE,
  server_kind text NOT NULL DEFAULT 'agent' CHECK (server_kind = 'agent'),
  tunnel_id uuid NOT NULL UNIQUE REFERENCES tunnels(id),
  disk_id uuid NOT NULL UNIQUE REFERENCES disks(id),
  cloned_from uuid,               -- no FK: the source may be destroyed later
  provisioned_at timestamptz NOT NULL,
  FOREIGN KEY (region, product) REFERENCES region_products(region, product),
  FOREIGN KEY (server_id, server_kind) REFERENCES servers(id, kind)
);
CREATE INDEX agents_account ON agents (account_id);

CREATE TRIGGER agents_region_fixed BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION reject_region_change();

CREATE FUNCTION reject_agent_repin() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF NEW.image_digest IS DISTINCT FROM OLD.image_digest OR NEW.env IS DISTINCT FROM OLD.env
     OR NEW.platform_version IS DISTINCT FROM OLD.platform_version OR NEW.provisioned_at IS DISTINCT FROM OLD.provisioned_at
     OR NEW.cloned_from IS DISTINCT FROM OLD.cloned_from THEN
    RAISE EXCEPTION 'agents: image, environment and platform version of agent % are pinned at provisioning (clone to change them)', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.server_id IS DISTINCT FROM OLD.server_id OR NEW.tunnel_id IS DISTINCT FROM OLD.tunnel_id
     OR NEW.disk_id IS DISTINCT FROM OLD.disk_id THEN
    RAISE EXCEPTION 'agents: the server, tunnel and disk of agent % are dedicated for its lifetime', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER agents_pinned BEFORE UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION reject_agent_repin();

-- Running / paused periods, half-open [from, to). Never overlapping per agent; at
-- most one open period (to = infinity) per agent. Kept after destroy (no FK).
CREATE TABLE agent_state_periods (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id uuid NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts(id),
  state text NOT NULL CHECK (state IN ('running', 'paused')),
  period tstzrange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period) AND lower_inc(period) AND NOT upper_inc(period)),
  CONSTRAINT agent_state_periods_no_overlap EXCLUDE USING gist (agent_id WITH =, period WITH &&)
);
CREATE UNIQUE INDEX agent_state_periods_open ON agent_state_periods (agent_id) WHERE upper_inf(period);
-- The latest period of an agent, found without the partial index: row-level
-- security keeps non-leakproof predicates such as upper_inf() out of index scans.
CREATE INDEX agent_state_periods_latest ON agent_state_periods (agent_id, lower(period) DESC);
CREATE INDEX agent_state_periods_account ON agent_state_periods (account_id);

-- Daily usage per agent and account. No FK to agents: past usage stays with the
-- account that incurred it after the agent is transferred or destroyed.
CREATE TABLE agent_usage_daily (
  agent_id uuid NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts(id),
  day date NOT NULL,
  running_seconds numeric NOT NULL DEFAULT 0 CHECK (running_seconds >= 0 AND running_seconds <= 86400),
  paused_seconds numeric NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0 AND paused_seconds <= 86400),
  PRIMARY KEY (agent_id, account_id, day)
);
CREATE INDEX agent_usage_daily_account_day ON agent_usage_daily (account_id, day);

-- A period may only be closed (its end set once); closed periods are history.
CREATE FUNCTION guard_state_period() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'agent_state_periods is history: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT upper_inf(OLD.period) THEN
    RAISE EXCEPTION 'agent_state_periods: period % is closed: UPDATE rejected', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.agent_id <> OLD.agent_id OR NEW.account_id <> OLD.account_id OR NEW.state <> OLD.state
     OR lower(NEW.period) <> lower(OLD.period) THEN
    RAISE EXCEPTION 'agent_state_periods: only the end of an open period may be set' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $f$;
CREATE TRIGGER agent_state_periods_guard BEFORE UPDATE OR DELETE ON agent_state_periods FOR EACH ROW EXECUTE FUNCTION guard_state_period();
CREATE TRIGGER agent_state_periods_no_truncate BEFORE TRUNCATE ON agent_state_periods FOR EACH STATEMENT EXECUTE FUNCTION guard_state_period();

-- Closing a period books its seconds, split at UTC midnights, in the same
-- transaction. SECURITY DEFINER: the runtime role cannot write usage directly.
CREATE FUNCTION book_closed_period() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $f$
DECLARE
  v_day date := (lower(NEW.period) AT TIME ZONE 'UTC')::date;
  v_s numeric;
BEGIN
  -- Most periods start and end on the same UTC day: one row, no series.
  IF v_day = ((upper(NEW.period) - interval '1 microsecond') AT TIME ZONE 'UTC')::date THEN
    v_s := extract(epoch FROM upper(NEW.period) - lower(NEW.period));
    INSERT INTO agent_usage_daily AS u (agent_id, account_id, day, running_seconds, paused_seconds)
    VALUES (NEW.agent_id, NEW.account_id, v_day, CASE WHEN NEW.state = 'running' THEN v_s ELSE 0 END, CASE WHEN NEW.state = 'paused' THEN v_s ELSE 0 END)
    ON CONFLICT (agent_id, account_id, day) DO UPDATE
      SET running_seconds = u.running_seconds + excluded.running_seconds,
          paused_seconds = u.paused_seconds + excluded.paused_seconds;
    RETURN NULL;
  END IF;
  INSERT INTO agent_usage_daily AS u (agent_id, account_id, day, running_seconds, paused_seconds)
  SELECT NEW.agent_id, NEW.account_id, d::date,
         CASE WHEN NEW.state = 'running' THEN s ELSE 0 END,
         CASE WHEN NEW.state = 'paused' THEN s ELSE 0 END
  FROM (
    SELECT d, extract(epoch FROM least(upper(NEW.period), (d + interval '1 day') AT TIME ZONE 'UTC')
                               - greatest(lower(NEW.period), d AT TIME ZONE 'UTC')) AS s
    FROM generate_series(date_trunc('day', lower(NEW.period) AT TIME ZONE 'UTC'),
                         date_trunc('day', (upper(NEW.period) - interval '1 microsecond') AT TIME ZONE 'UTC'),
                         interval '1 day') AS d
  ) AS pieces
  ON CONFLICT (agent_id, account_id, day) DO UPDATE
    SET running_seconds = u.running_seconds + excluded.running_seconds,
        paused_seconds = u.paused_seconds + excluded.paused_seconds;
  RETURN NULL;
END $f$;
CREATE TRIGGER agent_state_periods_book AFTER UPDATE OF period ON agent_state_periods FOR EACH ROW
  WHEN (upper_inf(OLD.period) AND NOT upper_inf(NEW.period)) EXECUTE FUNCTION book_closed_period();

-- Closes the agent's open period at p_at and opens the next one for p_account in
-- p_state ('=' keeps the current state, NULL opens nothing). Returns the state that
-- ended. The agent's state IS its open period: there is no second copy to drift.
CREATE FUNCTION agent_switch_period(p_agent uuid, p_account uuid, p_state text, p_at timestamptz, p_refuse_same boolean)
RETURNS text LANGUAGE plpgsql AS $f$
DECLARE v_from timestamptz; v_id bigint; v_open boolean; v_state text;
BEGIN
  SELECT id, lower(period), upper_inf(period), state INTO v_id, v_from, v_open, v_state
    FROM agent_state_periods WHERE agent_id = p_agent ORDER BY lower(period) DESC LIMIT 1;
  IF v_open THEN
    IF p_refuse_same AND v_state = p_state THEN
      PERFORM platform_refuse('invalid_state', format('agent %s is already %s', p_agent, p_state));
    END IF;
    IF p_at <= v_from THEN
      PERFORM platform_refuse('time_out_of_order', format('agent %s: %s is not after the start of its current period (%s)', p_agent, p_at, v_from));
    END IF;
    UPDATE agent_state_periods SET period = tstzrange(v_from, p_at, '[)') WHERE id = v_id;
  ELSE
    v_state := NULL;
  END IF;
  IF p_state IS NOT NULL THEN
    INSERT INTO agent_state_periods (agent_id, account_id, state, period)
      VALUES (p_agent, p_account, CASE WHEN p_state = '=' THEN v_state ELSE p_state END, tstzrange(p_at, NULL, '[)'));
  END IF;
  RETURN v_state;
END $f$;

CREATE FUNCTION agent_lock(p_agent uuid) RETURNS agents LANGUAGE plpgsql AS $f$
DECLARE a agents;
BEGIN
  SELECT * INTO a FROM agents WHERE id = p_agent FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM platform_refuse('agent_not_found', format('agent %s does not exist (or is not visible to this account)', p_agent));
  END IF;
  RETURN a;
END $f$;

CREATE FUNCTION agent_provision(p_id uuid, p_account uuid, p_region text, p_name text, p_image text, p_env jsonb,
  p_platform_version text, p_provider text, p_server_id uuid, p_server_ref text, p_tunnel_id uuid, p_tunnel_ref text,
  p_disk_id uuid, p_disk_ref text, p_disk_gb integer, p_actor text, p_at timestamptz, p_cloned_from uuid DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM regions WHERE id = p_region) THEN
    PERFORM platform_refuse('unknown_region', format('unknown region "%s"', p_region));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM region_products WHERE region = p_region AND product = 'agent') THEN
    PERFORM platform_refuse('product_not_hosted', format('region "%s" does not host agents', p_region));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_account) THEN
    PERFORM platform_refuse('account_not_found', format('account %s does not exist', p_account));
  END IF;
  INSERT INTO servers (id, account_id, region, kind, provider, provider_ref, created_at)
    VALUES (p_server_id, p_account, p_region, 'agent', p_provider, p_server_ref, p_at);
  INSERT INTO firewalls (server_id, server_kind, account_id) VALUES (p_server_id, 'agent', p_account);
  INSERT INTO tunnels (id, account_id, region, provider, provider_ref, created_at) VALUES (p_tunnel_id, p_account, p_region, p_provider, p_tunnel_ref, p_at);
  INSERT INTO disks (id, account_id, region, provider, provider_ref, size_gb, created_at)
    VALUES (p_disk_id, p_account, p_region, p_provider, p_disk_ref, p_disk_gb, p_at);
  INSERT INTO agents (id, account_id, region, name, image_digest, env, platform_version, server_id, tunnel_id, disk_id, cloned_from, provisioned_at)
    VALUES (p_id, p_account, p_region, p_name, p_image, p_env, p_platform_version, p_server_id, p_tunnel_id, p_disk_id, p_cloned_from, p_at);
  PERFORM agent_switch_period(p_id, p_account, 'paused', p_at, false);
  PERFORM audit_record(p_at, p_account, p_actor, 'agent.provisioned', 'agent', p_id::text, jsonb_build_object(
    'region', p_region, 'image_digest', p_image, 'platform_version', p_platform_version, 'server_id', p_server_id,
    'tunnel_id', p_tunnel_id, 'disk_id', p_disk_id, 'cloned_from', p_cloned_from));
END $f$;

CREATE FUNCTION agent_set_state(p_agent uuid, p_state text, p_actor text, p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql AS $f$
DECLARE a agents := agent_lock(p_agent);
        v_at timestamptz := coalesce(p_at, clock_timestamp());
BEGIN
  PERFORM agent_switch_period(p_agent, a.account_id, p_state, v_at, true);
  PERFORM audit_record(v_at, a.account_id, p_actor, CASE p_state WHEN 'running' THEN 'agent.started' ELSE 'agent.stopped' END,
    'agent', p_agent::text, jsonb_build_object('image_digest', a.image_digest, 'platform_version', a.platform_version));
  RETURN v_at;
END $f$;

-- The source's period closes and the destination's opens at the same instant as
-- the transfer event, in the caller's transaction.
CREATE FUNCTION agent_transfer(p_agent uuid, p_to uuid, p_actor text, p_at timestamptz) RETURNS timestamptz
LANGUAGE plpgsql AS $f$
DECLARE a agents := agent_lock(p_agent);
        v_at timestamptz := coalesce(p_at, clock_timestamp());
        v_state text;
BEGIN
  IF a.account_id = p_to THEN
    PERFORM platform_refuse('same_account', format('agent %s already belongs to account %s', p_agent, p_to));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_to) THEN
    PERFORM platform_refuse('account_not_found', format('account %s does not exist', p_to));
  END IF;
  v_state := agent_switch_period(p_agent, p_to, '=', v_at, false);
  UPDATE agents SET account_id = p_to WHERE id = p_agent;
  UPDATE servers SET account_id = p_to WHERE id = a.server_id;
  UPDATE firewalls SET account_id = p_to WHERE server_id = a.server_id;
  UPDATE tunnels SET account_id = p_to WHERE id = a.tunnel_id;
  UPDATE disks SET account_id = p_to WHERE id = a.disk_id;
  PERFORM audit_record(v_at, a.account_id, p_actor, 'agent.transferred', 'agent', p_agent::text,
    jsonb_build_object('from_account_id', a.account_id, 'to_account_id', p_to, 'state', v_state));
  RETURN v_at;
END $f$;

-- Removes the agent and its server, tunnel and disk; periods, usage and events stay.
CREATE FUNCTION agent_destroy(p_agent uuid, p_actor text, p_at timestamptz)
RETURNS TABLE (account_id uuid, server_id uuid, server_ref text, tunnel_id uuid, tunnel_ref text, disk_id uuid, disk_ref text, destroyed_at timestamptz)
LANGUAGE plpgsql AS $f$
#variable_conflict use_column
DECLARE a agents := agent_lock(p_agent);
        v_at timestamptz := coalesce(p_at, clock_timestamp());
BEGIN
  PERFORM agent_switch_period(p_agent, a.account_id, NULL, v_at, false);
  DELETE FROM agents WHERE id = p_agent;
  account_id := a.account_id; server_id := a.server_id; tunnel_id := a.tunnel_id; disk_id := a.disk_id; destroyed_at := v_at;
  DELETE FROM servers s WHERE s.id = a.server_id RETURNING s.provider_ref INTO server_ref;
  DELETE FROM tunnels t WHERE t.id = a.tunnel_id RETURNING t.provider_ref INTO tunnel_ref;
  DELETE FROM disks d WHERE d.id = a.disk_id RETURNING d.provider_ref INTO disk_ref;
  PERFORM audit_record(v_at, a.account_id, p_actor, 'agent.destroyed', 'agent', p_agent::text,
    jsonb_build_object('region', a.region, 'image_digest', a.image_digest, 'server_id', a.server_id));
  RETURN NEXT;
END $f$;

ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
ALTER TABLE agent_state_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_state_periods FORCE ROW LEVEL SECURITY;
ALTER TABLE agent_usage_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_usage_daily FORCE ROW LEVEL SECURITY;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['agents', 'agent_state_periods', 'agent_usage_daily'] LOOP
    EXECUTE format('CREATE POLICY account_isolation ON %I USING (account_id = ANY (current_account_ids())) WITH CHECK (account_id = ANY (current_account_ids()))', t);
    EXECUTE format('CREATE POLICY reader_sees_all ON %I FOR SELECT TO trust_reader USING (true)', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, DELETE ON agents TO trust_app;
GRANT UPDATE (account_id, name) ON agents TO trust_app;
GRANT SELECT, INSERT ON agent_state_periods TO trust_app;
GRANT UPDATE (period) ON agent_state_periods TO trust_app;
GRANT SELECT ON agent_usage_daily TO trust_app;

-- Down Migration
DROP FUNCTION agent_destroy(uuid, text, timestamptz);
DROP FUNCTION agent_transfer(uuid, uuid, text, timestamptz);
DROP FUNCTION agent_set_state(uuid, text, text, timestamptz);
DROP FUNCTION agent_provision(uuid, uuid, text, text, text, jsonb, text, text, uuid, text, uuid, text, uuid, text, integer, text, timestamptz, uuid);
DROP FUNCTION agent_lock(uuid);
DROP FUNCTION agent_switch_period(uuid, uuid, text, timestamptz, boolean);
DROP TABLE agent_usage_daily;
DROP TABLE agent_state_periods;
DROP FUNCTION book_closed_period();
DROP FUNCTION guard_state_period();
DROP TABLE agents;
DROP FUNCTION reject_agent_repin();
DROP FUNCTION audit_record(timestamptz, uuid, text, text, text, text, jsonb);
DROP FUNCTION platform_refuse(text, text);
