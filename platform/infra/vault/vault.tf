# DESIGN, NOT DEPLOYED. Controls: secret_store_highly_available,
# secret_store_scoped_per_agent, secret_store_keys_rotated_90_days, secret_store_access_audited.
# A three-node Vault cluster on integrated Raft storage is provisioned separately; this
# configures it. Today the application keyring (platform/crypto/keyring.ts) does this job.

resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
  path = "kubernetes"
}

resource "vault_mount" "transit" {
  path        = "transit"
  type        = "transit"
  description = "Encryption as a service for platform secrets (AES-256-GCM)"
}

resource "vault_transit_secret_backend_key" "platform" {
  backend             = vault_mount.transit.path
  name                = "platform"
  type                = "aes256-gcm96"
  auto_rotate_period  = 7776000 # 90 days, in seconds
  deletion_allowed    = false
  min_decryption_version = 1
}

resource "vault_mount" "agents" {
  path = "agents"
  type = "kv-v2"
}

# Each agent's service account maps to an entity whose metadata carries its agent id;
# the templated path means an agent can read its own secrets and nothing else.
resource "vault_policy" "agent_own_secrets" {
  name   = "agent-own-secrets"
  policy = <<-EOT
    path "agents/data/{{identity.entity.metadata.agent_id}}/*" {
      capabilities = ["read"]
    }
  EOT
}

resource "vault_audit" "file" {
  type = "file"
  options = {
    file_path = "/vault/audit/audit.log" # persistent volume, shipped to the log pipeline
  }
}
