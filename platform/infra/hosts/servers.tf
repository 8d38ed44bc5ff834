# DESIGN, NOT DEPLOYED. Control: storage_encrypted_at_rest.
# Agent data volumes are LUKS-encrypted at first boot with a per-volume key held by
# the control plane (not by the provider, not yet by the customer: see
# customer_managed_keys).

resource "hcloud_volume" "agent_data" {
  name      = "agent-data-template"
  size      = 40
  location  = "hel1"
  format    = null # formatted by cloud-init with cryptsetup luksFormat, never by the provider
  automount = false
  labels = {
    encryption = "luks2-aes-xts-plain64"
  }
}
