/**
 * The vm_boot collector: the first-boot (cloud-init) configuration VMs boot with. It
 * reads the one template the VM service renders (platform/vms/cloud-init.yaml) and every
 * document the provider recorded for a provisioned VM (provider_operations, create_server,
 * request.user_data), each beside the inbound ports its provisioning audit event (the
 * chained witness) declared. Each document is parsed with the `yaml` package into the
 * settings that matter (SSH authentication, ufw commands, fail2ban jails); it is not
 * judged here. Public SSH keys are counted, never copied.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const BootSettingsSchema = z.object({
  /** First line is `#cloud-config` (cloud-init ignores the document otherwise). */
  header: z.boolean(),
  /** Why the YAML could not be read (duplicate key, syntax); the other fields are then empty. */
  parseError: z.string().nullable(),
  /** Top-level `ssh_pwauth` and `disable_root` as JSON (`false`, `true`, `"no"`), null when absent. */
  sshPwauth: z.string().nullable(),
  disableRoot: z.string().nullable(),
  /** sshd directives written under /etc/ssh/sshd_config*: first value per keyword (sshd keeps the first). */
  sshd: z.record(z.string(), z.string()),
  /** Users with a password (passwd, plain_text_passwd, hashed_passwd) or `lock_passwd: false`; and whether chpasswd is set. */
  usersWithPassword: z.array(z.string()),
  chpasswd: z.boolean(),
  /** SSH public keys given to users (count only). */
  authorizedKeys: z.number().int(),
  packages: z.array(z.string()),
  /** runcmd entries in order, each as one space-joined command. */
  commands: z.array(z.string()),
  /** Every file written under /etc/ssh/sshd_config*, as written (sshd's own reading order is the check's). */
  sshdFiles: z.array(z.object({ path: z.string(), content: z.string(), append: z.boolean() })).default([]),
  /** bootcmd entries in order (they run before runcmd), each as one space-joined command. */
  bootcmds: z.array(z.string()).default([]),
  /** fail2ban jails written under /etc/fail2ban: section -> key -> value. */
  fail2banJails: z.record(z.string(), z.record(z.string(), z.string())),
  /** 1-based line of each top-level key and sshd keyword in the text, for findings. */
  lines: z.record(z.string(), z.number().int()),
});
export type BootSettings = z.output<typeof BootSettingsSchema>;

export const VmBootFactsSchema = z
  .object({
    template: z.object({ file: z.string(), settings: BootSettingsSchema }),
    documents: z.array(
      z.object({
        vm: z.string(),
        server: z.string().nullable(),
        /** Seq of the vm.provisioned audit event (the witness of what was declared). */
        seq: z.number().int(),
        /** provider_operations row of the create_server request; null when none was recorded. */
        operation: z.number().int().nullable(),
        provider: z.string().nullable(),
        /** The inbound rules the event declared, as the ufw commands that would open them. */
        declaredAllows: z.array(z.string()),
        /** Index of the document's settings in `parsed`; null when the request carried no boot document. */
        parsed: z.number().int().nonnegative().nullable(),
        /** Whether the VM still exists (a row in vms); only live VMs are compared with the firewall rows. */
        live: z.boolean().default(false),
        /** The firewall rows in the database now: inbound default and inbound rules as ufw commands; null without a firewalls row. */
        dbFirewall: z
          .object({ inboundDefault: z.string(), allows: z.array(z.string()) })
          .nullable()
          .default(null),
        /** The inbound rules of the latest apply_firewall the provider recorded for the server, as ufw commands; null when none. */
        appliedAllows: z.array(z.string()).nullable().default(null),
      }),
    ),
    /**
     * The settings of each distinct recorded document, in order of first use. VMs rendered from
     * one template share a handful of documents: written once, not once per VM (at scale 100 the
     * copies were four fifths of the whole bundle).
     */
    parsed: z.array(BootSettingsSchema),
    /** Live VMs (rows in vms) with no vm.provisioned event, so no recorded document is matched to them. */
    unwitnessed: z.array(z.string()).default([]),
  })
  .refine((f) => f.documents.every((d) => d.parsed === null || d.parsed < f.parsed.length), { message: 'a document names parsed settings that are not there', path: ['documents'] });
export type VmBootFacts = z.output<typeof VmBootFactsSchema>;

/** The template the VM service renders (platform/vms/cloud-init.ts, CLOUD_INIT_TEMPLATE). */
export const TEMPLATE_FILE = 'platform/vms/cloud-init.yaml';

const str = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(' ') : String(v)).trim();

/** Reads the settings of one cloud-init document (text as applied). Never throws. */
export function bootSettings(text: string): BootSettings {
  const lines: Record<string, number> = {};
  text.split('\n').forEach((l, i) => {
    const m = /^([A-Za-z_][\w-]*):/.exec(l) ?? /^\s+(PasswordAuthentication|KbdInteractiveAuthentication|ChallengeResponseAuthentication|PermitRootLogin|PermitEmptyPasswords)\b/.exec(l);
    if (m && lines[m[1]] === undefined) lines[m[1]] = i + 1;
  });
  const empty: BootSettings = {
    header: text.split('\n', 1)[0].trim() === '#cloud-config',
    parseError: null,
    sshPwauth: null,
    disableRoot: null,
    sshd: {},
    usersWithPassword: [],
    chpasswd: false,
    authorizedKeys: 0,
    packages: [],
    commands: [],
    sshdFiles: [],
    bootcmds: [],
    fail2banJails: {},
    lines,
  };
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) return { ...empty, parseError: doc.errors[0].message.split('\n')[0] };
  const js = doc.toJS() as Record<string, unknown> | null;
  if (!js || typeof js !== 'object' || Array.isArray(js)) return { ...empty, parseError: 'the document is not a mapping' };
  const out: BootSettings = { ...empty };
  if ('ssh_pwauth' in js) out.sshPwauth = JSON.stringify(js.ssh_pwauth);
  if ('disable_root' in js) out.disableRoot = JSON.stringify(js.disable_root);
  out.chpasswd = js.chpasswd !== undefined && js.chpasswd !== null;
  const users = Array.isArray(js.users) ? js.users : [];
  for (const u of users) {
    if (!u || typeof u !== 'object') continue;
    const user = u as Record<string, unknown>;
    if (['passwd', 'plain_text_passwd', 'hashed_passwd'].some((k) => user[k] !== undefined) || user.lock_passwd === false) out.usersWithPassword.push(String(user.name ?? '?'));
    if (Array.isArray(user.ssh_authorized_keys)) out.authorizedKeys += user.ssh_authorized_keys.length;
  }
  out.packages = (Array.isArray(js.packages) ? js.packages : []).map(str);
  out.commands = (Array.isArray(js.runcmd) ? js.runcmd : []).map(str);
  out.bootcmds = (Array.isArray(js.bootcmd) ? js.bootcmd : []).map(str);
  for (const f of Array.isArray(js.write_files) ? js.write_files : []) {
    const file = f as { path?: unknown; content?: unknown };
    const p = String(file?.path ?? '');
    const content = typeof file?.content === 'string' ? file.content : '';
    if (p.startsWith('/etc/ssh/sshd_config')) {
      out.sshdFiles.push({ path: p, content, append: (file as { append?: unknown }).append === true });
      for (const line of content.split('\n')) {
        const m = /^\s*([A-Za-z]+)\s+(.+?)\s*$/.exec(line);
        if (m && !line.trim().startsWith('#') && out.sshd[m[1]] === undefined) out.sshd[m[1]] = m[2];
      }
    } else if (p.startsWith('/etc/fail2ban/')) {
      let section = '';
      for (const line of content.split('\n')) {
        const s = /^\s*\[([^\]]+)\]\s*$/.exec(line);
        const kv = /^\s*([A-Za-z_.]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (s) out.fail2banJails[(section = s[1])] ??= {};
        else if (kv && section) out.fail2banJails[section][kv[1]] = kv[2];
      }
    }
  }
  return out;
}

/**
 * The event's server id as a uuid (NULL when it is not one), compared beside the text
 * comparison so provider_operations is searched through its resource_id index: the text
 * comparison alone scanned every provider operation once per VM (33 s at scale 100). It
 * selects nothing new: a resource_id whose text equals the event's value is that uuid.
 */
const SERVER_UUID = `CASE WHEN e.details->>'server_id' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN (e.details->>'server_id')::uuid END`;

export default defineCollector({
  id: 'vm_boot',
  version: '1.2.0',
  description: 'The VM first-boot (cloud-init) template and every boot document the provider recorded, parsed, beside the ports each VM declared.',
  needsDatabase: true,
  // Order on the lanes (collectors/lanes.ts): measured among the longest at scale 100.
  cost: 2,
  facts: VmBootFactsSchema,
  async collect(ctx) {
    const { ufwAllow } = await import('../platform/vms/cloud-init.ts');
    // Read under ctx.root (not the module's own copy), so a run on a copy of the tree judges that copy.
    const file = TEMPLATE_FILE;
    const templateText = readFileSync(path.join(ctx.root, file), 'utf8');
    // bootSettings is a pure function of the text, and VMs rendered from the one template
    // mostly share a document (1,000 VMs, a handful of distinct texts at scale 100): each
    // distinct text is parsed once (about 2 ms a document with the yaml package) and its
    // settings are written once, in `parsed`, which each VM's document points into.
    const parsed: BootSettings[] = [];
    const indexOf = new Map<string, number>();
    const parse = (text: string): number => {
      let i = indexOf.get(text);
      if (i === undefined) indexOf.set(text, (i = parsed.push(bootSettings(text)) - 1));
      return i;
    };
    // One query: every VM provisioning event (also of destroyed VMs: events and provider
    // operations outlive the VM) with the create_server request of its server.
    const rows = await ctx.sql<{
      vm: string;
      server: string | null;
      seq: string;
      rules: unknown;
      op: string | null;
      provider: string | null;
      user_data: string | null;
      live: boolean;
      fw_default: string | null;
      fw_rules: unknown;
      applied: unknown;
    }>(`
      SELECT e.subject_id AS vm, e.details->>'server_id' AS server, e.seq, e.details->'inbound_rules' AS rules,
             o.id AS op, o.provider, o.request->>'user_data' AS user_data,
             v.id IS NOT NULL AS live, f.inbound_default AS fw_default,
             (SELECT coalesce(json_agg(json_build_object('protocol', r.protocol, 'port_from', r.port_from, 'port_to', r.port_to, 'source', r.source::text)
                                       ORDER BY r.protocol, r.port_from, r.port_to, r.source), '[]')
                FROM firewall_rules r WHERE r.server_id = v.server_id AND r.direction = 'inbound') AS fw_rules,
             (SELECT a.request->'inbound' FROM provider_operations a
               WHERE a.operation = 'apply_firewall' AND a.resource_id = ${SERVER_UUID} AND a.resource_id::text = e.details->>'server_id' ORDER BY a.id DESC LIMIT 1) AS applied
        FROM audit_events e
        LEFT JOIN LATERAL (SELECT p.id, p.provider, p.request FROM provider_operations p
                            WHERE p.operation = 'create_server' AND p.resource_id = ${SERVER_UUID} AND p.resource_id::text = e.details->>'server_id'
                            ORDER BY p.id LIMIT 1) o ON true
        LEFT JOIN vms v ON v.id::text = e.subject_id
        LEFT JOIN firewalls f ON f.server_id = v.server_id
       WHERE e.action = 'vm.provisioned'
       ORDER BY e.seq`);
    const unwitnessed = await ctx.sql<{ id: string }>(`
      SELECT v.id::text AS id FROM vms v
       WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'vm.provisioned' AND e.subject_id = v.id::text)
       ORDER BY 1`);
    type Rule = { protocol: 'tcp' | 'udp'; port_from?: number; port_to?: number; portFrom?: number; portTo?: number; source?: string };
    const asUfw = (rules: unknown): string[] =>
      (Array.isArray(rules) ? (rules as Rule[]) : [])
        .map((x) => ufwAllow({ protocol: x.protocol, portFrom: (x.port_from ?? x.portFrom)!, portTo: x.port_to ?? x.portTo, source: x.source }).join(' '))
        .sort();
    return {
      template: { file, settings: bootSettings(templateText) },
      documents: rows.map((r) => ({
        vm: r.vm,
        server: r.server,
        seq: Number(r.seq),
        operation: r.op === null ? null : Number(r.op),
        provider: r.provider,
        declaredAllows: (Array.isArray(r.rules) ? (r.rules as { protocol: 'tcp' | 'udp'; port_from: number; port_to?: number; source?: string }[]) : []).map((x) =>
          ufwAllow({ protocol: x.protocol, portFrom: x.port_from, portTo: x.port_to, source: x.source }).join(' '),
        ),
        parsed: r.user_data === null ? null : parse(r.user_data),
        live: r.live,
        dbFirewall: r.live && r.fw_default !== null ? { inboundDefault: r.fw_default, allows: asUfw(r.fw_rules) } : null,
        appliedAllows: r.applied === null || r.applied === undefined ? null : asUfw(r.applied),
      })),
      parsed,
      unwitnessed: unwitnessed.map((u) => u.id),
    };
  },
});
