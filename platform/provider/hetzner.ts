/**
 * NOT IMPLEMENTED. Design note for a cloud driver behind the Provider interface.
 *
 * A Hetzner Cloud driver would map createServer to a server create call in the
 * region's location (us -> hil, eu -> hel1), createDisk to a volume, applyFirewall
 * to a Cloud Firewall holding only the listed inbound rules (none for agents),
 * and createTunnel to a per-agent tunnel from the tunnel vendor's API. This
 * network cannot reach those APIs, so nothing here pretends to: every method throws.
 */
import type { Provider } from './types.ts';

function notImplemented(): never {
  throw new Error('HetznerProvider is not implemented: use LocalProvider (platform/provider/local.ts)');
}

export class HetznerProvider implements Provider {
  readonly name = 'hetzner';
  createServer = notImplemented;
  destroyServer = notImplemented;
  createTunnel = notImplemented;
  destroyTunnel = notImplemented;
  createDisk = notImplemented;
  destroyDisk = notImplemented;
  applyFirewall = notImplemented;
}
