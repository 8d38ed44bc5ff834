/**
 * Infrastructure behind one interface. The platform asks a provider for servers,
 * tunnels, disks and firewalls; the database records what each resource is. The
 * shipped implementation is LocalProvider (records requests, creates nothing);
 * cloud drivers belong behind the same interface (see hetzner.ts: not implemented).
 */
import type pg from 'pg';

/** Every call runs inside the caller's transaction, so a failed operation leaves no record. */
export interface ProviderCall {
  client: pg.ClientBase;
  accountId: string;
  at: Date;
}

export interface ServerSpec {
  id: string;
  region: string;
  location: string;
  kind: 'agent' | 'vm';
  /** The first-boot (cloud-init) document the server boots with; VMs only (platform/vms/cloud-init.ts). */
  userData?: string;
}
export interface TunnelSpec {
  id: string;
  region: string;
  location: string;
  serverId: string;
}
export interface DiskSpec {
  id: string;
  region: string;
  location: string;
  sizeGb: number;
}
export interface FirewallRule {
  protocol: 'tcp' | 'udp';
  portFrom: number;
  portTo?: number;
  source?: string;
}
export interface FirewallSpec {
  serverId: string;
  serverRef: string;
  inbound: FirewallRule[];
}

export interface Provider {
  /** Stable provider name stored with each resource. @example "local" */
  readonly name: string;
  /** Returns the provider's reference for the new resource. */
  createServer(call: ProviderCall, spec: ServerSpec): Promise<string>;
  destroyServer(call: ProviderCall, id: string, ref: string): Promise<void>;
  createTunnel(call: ProviderCall, spec: TunnelSpec): Promise<string>;
  destroyTunnel(call: ProviderCall, id: string, ref: string): Promise<void>;
  createDisk(call: ProviderCall, spec: DiskSpec): Promise<string>;
  destroyDisk(call: ProviderCall, id: string, ref: string): Promise<void>;
  /** Replaces the server's inbound allow-list; inbound is denied unless listed. */
  applyFirewall(call: ProviderCall, spec: FirewallSpec): Promise<void>;
}
