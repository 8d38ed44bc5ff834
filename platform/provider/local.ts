/**
 * The local provider: creates nothing, records every request in
 * `provider_operations` in the caller's transaction, and hands out references
 * derived from our own ids (`local-server-<uuid>`).
 */
import type { Provider, ProviderCall, ServerSpec, TunnelSpec, DiskSpec, FirewallSpec } from './types.ts';

type Operation = 'create_server' | 'destroy_server' | 'create_tunnel' | 'destroy_tunnel' | 'create_disk' | 'destroy_disk' | 'apply_firewall';

export class LocalProvider implements Provider {
  readonly name = 'local';

  private async record(call: ProviderCall, operation: Operation, resourceId: string, ref: string, request: object): Promise<void> {
    await call.client.query(
      `INSERT INTO provider_operations (account_id, provider, operation, resource_id, provider_ref, request, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [call.accountId, this.name, operation, resourceId, ref, JSON.stringify(request), call.at],
    );
  }

  async createServer(call: ProviderCall, spec: ServerSpec): Promise<string> {
    const ref = `local-server-${spec.id}`;
    // The exact boot document is recorded, so the evidence reads what a VM would boot with.
    await this.record(call, 'create_server', spec.id, ref, { location: spec.location, kind: spec.kind, region: spec.region, ...(spec.userData !== undefined ? { user_data: spec.userData } : {}) });
    return ref;
  }
  async destroyServer(call: ProviderCall, id: string, ref: string): Promise<void> {
    await this.record(call, 'destroy_server', id, ref, {});
  }
  async createTunnel(call: ProviderCall, spec: TunnelSpec): Promise<string> {
    const ref = `local-tunnel-${spec.id}`;
    await this.record(call, 'create_tunnel', spec.id, ref, { location: spec.location, server_id: spec.serverId });
    return ref;
  }
  async destroyTunnel(call: ProviderCall, id: string, ref: string): Promise<void> {
    await this.record(call, 'destroy_tunnel', id, ref, {});
  }
  async createDisk(call: ProviderCall, spec: DiskSpec): Promise<string> {
    const ref = `local-disk-${spec.id}`;
    await this.record(call, 'create_disk', spec.id, ref, { location: spec.location, size_gb: spec.sizeGb });
    return ref;
  }
  async destroyDisk(call: ProviderCall, id: string, ref: string): Promise<void> {
    await this.record(call, 'destroy_disk', id, ref, {});
  }
  async applyFirewall(call: ProviderCall, spec: FirewallSpec): Promise<void> {
    await this.record(call, 'apply_firewall', spec.serverId, spec.serverRef, { inbound_default: 'deny', inbound: spec.inbound });
  }
}
