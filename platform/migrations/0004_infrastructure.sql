-- Up Migration
-- Servers, tunnels, disks and firewalls as the provider created them. Each row
-- belongs to exactly one agent or VM (enforced by UNIQUE references from those
-- tables); `kind` says which, so an agent can never be placed on a VM's server.
CREATE TABLE servers (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  region text NOT NULL REFERENCES regions(id),
  kind text NOT NULL CHECK (kind IN ('agent', 'vm')),
  provider text NOT NULL,
  provider_ref text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  UNIQUE (id, kind)
);

CREATE TABLE tunnels (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  region text NOT NULL REFERENCES regions(id),
  provider text NOT NULL,
  provider_ref text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);

CREATE TABLE disks (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  region text NOT NULL REFERENCES regions(id),
  provider text NOT NULL,
  provider_ref text NOT NULL UNIQUE,
  size_gb integer NOT NULL CHECK (size_gb BETWEEN 1 AND 16384),
  created_at timestamptz NOT NULL
);

-- One firewall per server. Inbound is denied unless a rule allows it: the default
-- is a column with a single allowed value, so no row can say otherwise.
CREATE TABLE firewalls (
  server_id uuid PRIMARY KEY,
  server_kind text NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts(id),
  inbound_default text NOT NULL DEFAULT 'deny' CHECK (inbound_default = 'deny'),
  FOREIGN KEY (server_id, server_kind) REFERENCES servers(id, kind) ON DELETE CASCADE,
  UNIQUE (server_id, server_kind)
);

-- Explicit allow rules. An agent's server has zero inbound rules: the server kind
-- is carried (and checked against servers by the foreign key) so a CHECK can refuse it.
CREATE TABLE firewall_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  server_id uuid NOT NULL,
  server_kind text NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts(id),
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  protocol text NOT NULL CHECK (protocol IN ('tcp', 'udp')),
  port_from integer NOT NULL CHECK (port_from BETWEEN 1 AND 65535),
  port_to integer NOT NULL CHECK (port_to BETWEEN 1 AND 65535),
  source cidr NOT NULL DEFAULT '0.0.0.0/0',
  CHECK (port_from <= port_to),
  CONSTRAINT agent_servers_have_no_inbound_rules CHECK (NOT (server_kind = 'agent' AND direction = 'inbound')),
  FOREIGN KEY (server_id, server_kind) REFERENCES firewalls(server_id, server_kind) ON DELETE CASCADE,
  UNIQUE (server_id, direction, protocol, port_from, port_to, source)
);

-- What the infrastructure provider was asked to do, in order. The local provider
-- writes here instead of calling a cloud API.
CREATE TABLE provider_operations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts(id),
  provider text NOT NULL,
  operation text NOT NULL CHECK (operation IN ('create_server', 'destroy_server', 'create_tunnel', 'destroy_tunnel',
    'create_disk', 'destroy_disk', 'apply_firewall')),
  resource_id uuid NOT NULL,
  provider_ref text NOT NULL,
  request jsonb NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL
);
CREATE INDEX provider_operations_resource ON provider_operations (resource_id);

CREATE TRIGGER servers_region_fixed BEFORE UPDATE ON servers FOR EACH ROW EXECUTE FUNCTION reject_region_change();
CREATE TRIGGER tunnels_region_fixed BEFORE UPDATE ON tunnels FOR EACH ROW EXECUTE FUNCTION reject_region_change();
CREATE TRIGGER disks_region_fixed BEFORE UPDATE ON disks FOR EACH ROW EXECUTE FUNCTION reject_region_change();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['servers', 'tunnels', 'disks', 'firewalls', 'firewall_rules', 'provider_operations'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY account_isolation ON %I USING (account_id = ANY (current_account_ids())) WITH CHECK (account_id = ANY (current_account_ids()))', t);
    EXECUTE format('CREATE POLICY reader_sees_all ON %I FOR SELECT TO trust_reader USING (true)', t);
  END LOOP;
END $$;

GRANT SELECT ON regions, region_products TO trust_app;
GRANT SELECT, INSERT, DELETE ON servers, tunnels, disks, firewalls, firewall_rules TO trust_app;
GRANT UPDATE (account_id) ON servers, tunnels, disks, firewalls TO trust_app;
GRANT SELECT, INSERT ON provider_operations TO trust_app;

-- Down Migration
DROP TABLE provider_operations;
DROP TABLE firewall_rules;
DROP TABLE firewalls;
DROP TABLE disks;
DROP TABLE tunnels;
DROP TABLE servers;
