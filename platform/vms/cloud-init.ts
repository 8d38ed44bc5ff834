/**
 * Renders a VM's first-boot (cloud-init) document from the one template,
 * platform/vms/cloud-init.yaml. Only two things vary per VM: the account's SSH public
 * keys and the inbound ports the VM declares (one ufw allow entry each, placed before
 * ufw is enabled). Everything else comes from the template unchanged, so a check that
 * reads the template and the recorded documents sees exactly what a VM boots with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { FirewallRule } from '../provider/types.ts';

export const CLOUD_INIT_TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cloud-init.yaml');

/** The ufw command that opens one declared port range; the vm_boot collector reads it back. */
export function ufwAllow(r: FirewallRule): string[] {
  const to = r.portTo ?? r.portFrom;
  return ['ufw', 'allow', 'proto', r.protocol, 'from', r.source ?? '0.0.0.0/0', 'to', 'any', 'port', to === r.portFrom ? String(r.portFrom) : `${r.portFrom}:${to}`];
}

type Doc = { users?: { ssh_authorized_keys?: string[] }[]; runcmd?: unknown[] } & Record<string, unknown>;

/** The document the provider applies to one VM (deterministic: same input, same text). */
export function renderCloudInit(input: { sshKeys: string[]; inbound: FirewallRule[] }, template = readFileSync(CLOUD_INIT_TEMPLATE, 'utf8')): string {
  const doc = parse(template) as Doc;
  const user = doc.users?.[0];
  if (!user) throw new Error(`${CLOUD_INIT_TEMPLATE}: the template names no user to carry the SSH keys`);
  user.ssh_authorized_keys = [...input.sshKeys];
  const runcmd = doc.runcmd ?? [];
  const enable = runcmd.findIndex((c) => Array.isArray(c) && c[0] === 'ufw' && c.includes('enable'));
  if (enable < 0) throw new Error(`${CLOUD_INIT_TEMPLATE}: the template never enables ufw`);
  runcmd.splice(enable, 0, ...input.inbound.map(ufwAllow));
  doc.runcmd = runcmd;
  return `#cloud-config\n${stringify(doc, { lineWidth: 0 })}`;
}
