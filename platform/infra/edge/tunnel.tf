# DESIGN, NOT DEPLOYED. Control: traffic_encrypted_in_transit.
# Agent hostnames are served only through per-agent tunnels; the edge terminates TLS
# with 1.3 as the minimum and redirects plain HTTP.

variable "zone_id" {
  type = string
}

resource "cloudflare_zone_settings_override" "agents" {
  zone_id = var.zone_id
  settings {
    min_tls_version          = "1.3"
    tls_1_3                  = "on"
    always_use_https         = "on"
    automatic_https_rewrites = "on"
    ssl                      = "strict"
  }
}
