-- Up Migration
-- Plain VMs: one dedicated server each, a firewall that denies inbound unless a
-- rule allows a port. No transfer.
CREATE TABLE vms (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  region text NOT NULL,
  product text NOT NULL DEFAULT 'vm' CHECK (product = 'vm'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  image text NOT NULL CHECK (length(image) BETWEEN 1 AND 200),
  server_id uuid NOT NULL UNIQUE,
  server_kind text NOT NULL DEFAULT 'vm' CHECK (server_kind = 'vm'),
  provisioned_at timestamptz NOT NULL,
  FOREIGN KEY (region, product) REFERENCES region_products(region, product),
  FOREIGN KEY (server_id, server_kind) REFERENCES servers(id, kind)
);
CREATE INDEX vms_account ON vms (account_id);
CREATE TRIGGER vms_region_fixed BEFORE UPDATE ON vms FOR EACH ROW EXECUTE FUNCTION reject_region_change();

CREATE FUNCTION vm_lock(p_vm uuid) RETURNS vms LANGUAGE plpgsql AS $f$
DECLARE v vms;
BEGIN
  SELECT * INTO v FROM vms WHERE id = p_vm FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM platform_refuse('vm_not_found', format('VM %s does not exist (or is not visible to this account)', p_vm));
  END IF;
  RETURN v;
END $f$;

-- p_rules: [{"protocol":"tcp","port_from":22,"port_to":22,"source":"0.0.0.0/0"}], inbound allows.
CREATE FUNCTION vm_replace_rules(p_server uuid, p_account uuid, p_rules jsonb) RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE n integer;
BEGIN
  DELETE FROM firewall_rules WHERE server_id = p_server;
  INSERT INTO firewall_rules (server_id, server_kind, account_id, direction, protocol, port_from, port_to, source)
  SELECT p_server, 'vm', p_account, 'inbound', r.protocol, r.port_from, coalesce(r.port_to, r.port_from), coalesce(r.source, '0.0.0.0/0')::cidr
  FROM jsonb_to_recordset(coalesce(p_rules, '[]')) AS r(protocol text, port_from integer, port_to integer, source text);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $f$;

CREATE FUNCTION vm_provision(p_id uuid, p_account uuid, p_region text, p_name text, p_image text, p_provider text,
  p_server_id uuid, p_server_ref text, p_rules jsonb, p_actor text, p_at timestamptz) RETURNS void
LANGUAGE plpgsql AS $f$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM regions WHERE id = p_region) THEN
    PERFORM platform_refuse('unknown_region', format('unknown region "%s"', p_region));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM region_products WHERE region = p_region AND product = 'vm') THEN
    PERFORM platform_refuse('product_not_hosted', format('region "%s" does not host VMs', p_region));
  END IF;
  IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_account) THEN
    PERFORM platform_refuse('account_not_found', format('account %s does not exist', p_account));
  END IF;
  INSERT INTO servers (id, account_id, region, kind, provider, provider_ref, created_at)
    VALUES (p_server_id, p_account, p_region, 'vm', p_provider, p_server_ref, p_at);
  INSERT INTO firewalls (server_id, server_kind, account_id) VALUES (p_server_id, 'vm', p_account);
  PERFORM vm_replace_rules(p_server_id, p_account, p_rules);
  INSERT INTO vms (id, account_id, region, name, image, server_id, provisioned_at)
    VALUES (p_id, p_account, p_region, p_name, p_image, p_server_id, p_at);
  PERFORM audit_record(p_at, p_account, p_actor, 'vm.provisioned', 'vm', p_id::text, jsonb_build_object(
    'region', p_region, 'image', p_image, 'server_id', p_server_id, 'inbound_rules', coalesce(p_rules, '[]')));
END $f$;

CREATE FUNCTION vm_set_firewall(p_vm uuid, p_rules jsonb, p_actor text, p_at timestamptz) RETURNS uuid
LANGUAGE plpgsql AS $f$
DECLARE v vms := vm_lock(p_vm);
        v_at timestamptz := coalesce(p_at, clock_timestamp());
BEGIN
  PERFORM vm_replace_rules(v.server_id, v.account_id, p_rules);
  PERFORM audit_record(v_at, v.account_id, p_actor, 'vm.firewall_changed', 'vm', p_vm::text,
    jsonb_build_object('server_id', v.server_id, 'inbound_rules', coalesce(p_rules, '[]')));
  RETURN v.server_id;
END $f$;

CREATE FUNCTION vm_destroy(p_vm uuid, p_actor text, p_at timestamptz)
RETURNS TABLE (account_id uuid, server_id uuid, server_ref text, destroyed_at timestamptz)
LANGUAGE plpgsql AS $f$
#variable_conflict use_column
DECLARE v vms := vm_lock(p_vm);
        v_at timestamptz := coalesce(p_at, clock_timestamp());
BEGIN
  DELETE FROM vms WHERE id = p_vm;
  account_id := v.account_id; server_id := v.server_id; destroyed_at := v_at;
  DELETE FROM servers s WHERE s.id = v.server_id RETURNING s.provider_ref INTO server_ref;
  PERFORM audit_record(v_at, v.account_id, p_actor, 'vm.destroyed', 'vm', p_vm::text,
    jsonb_build_object('region', v.region, 'server_id', v.server_id));
  RETURN NEXT;
END $f$;

ALTER TABLE vms ENABLE ROW LEVEL SECURITY;
ALTER TABLE vms FORCE ROW LEVEL SECURITY;
CREATE POLICY account_isolation ON vms USING (account_id = ANY (current_account_ids())) WITH CHECK (account_id = ANY (current_account_ids()));
CREATE POLICY reader_sees_all ON vms FOR SELECT TO trust_reader USING (true);
GRANT SELECT, INSERT, DELETE ON vms TO trust_app;
GRANT UPDATE (name) ON vms TO trust_app;

-- Down Migration
DROP FUNCTION vm_destroy(uuid, text, timestamptz);
DROP FUNCTION vm_set_firewall(uuid, jsonb, text, timestamptz);
DROP FUNCTION vm_provision(uuid, uuid, text, text, text, text, uuid, text, jsonb, text, timestamptz);
DROP FUNCTION vm_replace_rules(uuid, uuid, jsonb);
DROP FUNCTION vm_lock(uuid);
DROP TABLE vms;
