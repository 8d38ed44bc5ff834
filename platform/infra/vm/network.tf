# DESIGN, NOT DEPLOYED. Control: vm_private_network_isolated.
# Each VM gets a private network of its own behind a NAT gateway: it reaches the
# internet and our control plane, with no route to any other VM.

resource "hcloud_network" "vm_private" {
  name     = "vm-private-template"
  ip_range = "10.0.0.0/24"
}

resource "hcloud_network_subnet" "vm_private" {
  network_id   = hcloud_network.vm_private.id
  type         = "cloud"
  network_zone = "eu-central"
  ip_range     = "10.0.0.0/28"
}
