-- Up Migration
-- The provisioning event is the witness the gate compares an agent's row with (region,
-- image, platform version, server, tunnel, disk): the environment is pinned as well, so
-- the event records it too, as the SHA-256 of its canonical jsonb text (the values are
-- configuration, not secrets, but a digest keeps the event small and shape-only).
CREATE OR REPLACE FUNCTION agent_provision(p_id uuid, p_account uuid, p_region text, p_name text, p_image text, p_env jsonb,
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
    'tunnel_id', p_tunnel_id, 'disk_id', p_disk_id, 'cloned_from', p_cloned_from,
    'env_sha256', encode(sha256(convert_to(p_env::text, 'UTF8')), 'hex')));
END $f$;

-- Down Migration
CREATE OR REPLACE FUNCTION agent_provision(p_id uuid, p_account uuid, p_region text, p_name text, p_image text, p_env jsonb,
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
