import { z } from 'zod';
import { defineCheck, type Finding, type Origin } from './types.ts';
import type { BootSettings, VmBootFacts } from '../../collectors/vm-boot.ts';
import { factsOf, fail, pass } from './helpers.ts';
import { simpleCommands, sshdState, ufwState } from './boot-semantics.ts';

/**
 * Judges the first-boot configuration VMs boot with: the template and every document the
 * provider recorded. One aspect per control, so each control fails for its own reason:
 * - ssh_key_only: password and keyboard-interactive SSH logins off, root only by key, no user password;
 * - firewall_default_deny: ufw denies inbound by default and allows exactly the ports the VM
 *   declared (its provisioning audit event is the witness), then is enabled;
 * - fail2ban_sshd: fail2ban installed and started, with an enabled sshd jail.
 */
const Aspect = z.enum(['ssh_key_only', 'firewall_default_deny', 'fail2ban_sshd']);
type Aspect = z.output<typeof Aspect>;

/** Problems of one document for one aspect, each a short clause. */
function problems(s: BootSettings, aspect: Aspect, maxRetry: number, declared: string[] | null): string[] {
  if (s.parseError) return [`the YAML cannot be read (${s.parseError})`];
  const out: string[] = [];
  if (!s.header) out.push('the first line is not `#cloud-config`, so cloud-init would not apply it');
  // Commands that edit sshd's files or the packet filter outside write_files and ufw cannot be judged.
  const unjudged = ufwState([...(s.bootcmds ?? []), ...s.commands]).unjudged;
  if (aspect === 'ssh_key_only') {
    if (s.sshPwauth !== 'false') out.push(`ssh_pwauth is ${s.sshPwauth ?? 'absent'}, not false`);
    // sshd's reading: drop-ins in lexical order, then the main file; first value wins;
    // Match blocks re-open settings for whoever matches (controls/checks/boot-semantics.ts).
    const files = s.sshdFiles ?? [];
    const state = files.length ? sshdState(files) : null;
    const CANON: Record<string, string> = {
      passwordauthentication: 'PasswordAuthentication',
      kbdinteractiveauthentication: 'KbdInteractiveAuthentication',
      challengeresponseauthentication: 'ChallengeResponseAuthentication',
      permitrootlogin: 'PermitRootLogin',
      permitemptypasswords: 'PermitEmptyPasswords',
    };
    const d: Record<string, string> = state
      ? Object.fromEntries(
          Object.entries(state.global)
            .filter(([k]) => CANON[k])
            .map(([k, v]) => [CANON[k], v.value.toLowerCase()]),
        )
      : s.sshd;
    for (const [k, vs] of Object.entries(state?.match ?? {})) {
      if (!CANON[k]) continue;
      for (const v of vs) {
        const val = v.value.toLowerCase();
        const open = k === 'permitrootlogin' ? !['prohibit-password', 'without-password', 'no', 'forced-commands-only'].includes(val) : val !== 'no';
        if (open) out.push(`${CANON[k]} ${v.value} inside \`Match ${v.criteria}\` (${v.file}) re-opens it for matching logins`);
      }
    }
    for (const c of unjudged.filter((x) => /sshd_config/.test(x))) out.push(`a boot command edits sshd's configuration outside write_files (\`${c}\`)`);
    if (d.PasswordAuthentication !== 'no') out.push(`PasswordAuthentication is ${d.PasswordAuthentication ?? 'absent'}, not no`);
    if (d.KbdInteractiveAuthentication !== 'no') out.push(`KbdInteractiveAuthentication is ${d.KbdInteractiveAuthentication ?? 'absent'}, not no`);
    if (d.ChallengeResponseAuthentication !== undefined && d.ChallengeResponseAuthentication !== 'no') out.push(`ChallengeResponseAuthentication is ${d.ChallengeResponseAuthentication}`);
    if (!['prohibit-password', 'without-password', 'no'].includes(d.PermitRootLogin ?? '')) out.push(`PermitRootLogin is ${d.PermitRootLogin ?? 'absent'}, not prohibit-password or no`);
    if (d.PermitEmptyPasswords !== undefined && d.PermitEmptyPasswords !== 'no') out.push(`PermitEmptyPasswords is ${d.PermitEmptyPasswords}`);
    if (s.usersWithPassword.length) out.push(`user(s) ${s.usersWithPassword.join(', ')} get a password`);
    if (s.chpasswd) out.push('chpasswd sets passwords');
  } else if (aspect === 'firewall_default_deny') {
    // ufw's reading: commands in order, the last `ufw default ... incoming` wins, reset drops rules.
    const ufw = ufwState([...(s.bootcmds ?? []), ...s.commands]);
    if (ufw.incoming !== 'deny' && ufw.incoming !== 'reject') out.push(`the inbound default ends up ${ufw.incoming ?? 'never set'}, not deny`);
    if (!ufw.enabled) out.push(simpleCommands(s.commands).some((c) => /^ufw (--force )?enable$/.test(c)) ? 'ufw is disabled after it is enabled' : 'ufw is never enabled');
    for (const c of unjudged.filter((x) => !/sshd_config/.test(x))) out.push(`a boot command changes the packet filter outside ufw (\`${c}\`)`);
    const allows = ufw.allows;
    const want = declared ?? [];
    const extra = allows.filter((a) => !want.includes(a));
    const missing = want.filter((a) => !allows.includes(a));
    if (extra.length) out.push(`it opens ports the VM did not declare: ${extra.join('; ')}`);
    if (missing.length) out.push(`it does not open declared port(s): ${missing.join('; ')}`);
  } else {
    if (!s.packages.includes('fail2ban')) out.push('fail2ban is not installed');
    if (!s.commands.some((c) => /^systemctl enable (--now )?fail2ban$/.test(c) || c === 'systemctl enable --now fail2ban')) out.push('fail2ban is not enabled at boot');
    const jail = s.fail2banJails.sshd;
    if (!jail) out.push('there is no sshd jail');
    else {
      if (!['true', 'yes', '1'].includes((jail.enabled ?? '').toLowerCase())) out.push(`the sshd jail is not enabled (enabled = ${jail.enabled ?? 'absent'})`);
      const retry = Number(jail.maxretry ?? '5'); // fail2ban's default maxretry is 5
      if (!(retry >= 1 && retry <= maxRetry)) out.push(`the sshd jail allows ${jail.maxretry} failures, more than ${maxRetry}`);
    }
  }
  return out;
}

const KEY_LINE: Record<Aspect, string> = { ssh_key_only: 'ssh_pwauth', firewall_default_deny: 'runcmd', fail2ban_sshd: 'write_files' };

export default defineCheck({
  id: 'vm_boot_config',
  kind: 'structure',
  // The template and the boot document of every provisioned VM (one per vm.provisioned event).
  scope: ['vm'],
  description:
    'The VM first-boot template and every boot document the provider recorded set the given aspect: SSH key-only logins, ufw default-deny inbound with exactly the declared ports, or a fail2ban sshd jail.',
  collectors: ['vm_boot'],
  params: z
    .object({
      aspect: Aspect,
      /** fail2ban_sshd: most failed logins the sshd jail may allow before a ban. */
      maxRetry: z.number().int().positive().default(5),
    })
    .strict(),
  evaluate(facts, { aspect, maxRetry }) {
    const f = factsOf<VmBootFacts>(facts, 'vm_boot');
    // Each VM's document with its settings (the facts write each distinct document's once).
    const documents = f.documents.map((d) => ({ ...d, settings: d.parsed === null ? null : f.parsed[d.parsed] }));
    const out: Finding[] = [];
    const t = f.template;
    const tp = problems(t.settings, aspect, maxRetry, aspect === 'firewall_default_deny' ? [] : null);
    const line = t.settings.lines[aspect === 'ssh_key_only' && t.settings.sshPwauth === 'false' ? 'PasswordAuthentication' : KEY_LINE[aspect]];
    const tOrigin: Origin = { resource: `file:${t.file}`, file: t.file, ...(line ? { line } : {}) };
    out.push(tp.length ? fail(`The VM boot template \`${t.file}\`: ${tp.join('; ')}.`, tOrigin) : pass(`The VM boot template \`${t.file}\` holds for ${aspect.replaceAll('_', ' ')}.`, tOrigin));
    let good = 0;
    if (aspect === 'firewall_default_deny') {
      // The rendered document (or the provider's latest firewall update) against the firewall rows.
      let matched = 0;
      for (const d of documents.filter((x) => x.live && x.settings && !x.settings.parseError)) {
        const onVm = d.appliedAllows ?? ufwState([...(d.settings!.bootcmds ?? []), ...d.settings!.commands]).allows;
        const rows = d.dbFirewall;
        const origin = { resource: `row:public.firewalls.server_id=${d.server}` };
        if (!rows) out.push({ ...fail(`VM ${d.vm} has no firewall row in the database.`, origin, `vm ${d.vm}`), kind: 'data' });
        else if (rows.inboundDefault !== 'deny') out.push({ ...fail(`VM ${d.vm}'s firewall row says inbound ${rows.inboundDefault}, not deny.`, origin), kind: 'data' });
        else {
          const extra = onVm.filter((a) => !rows.allows.includes(a));
          const missing = rows.allows.filter((a) => !onVm.includes(a));
          if (extra.length || missing.length)
            out.push({
              ...fail(
                `VM ${d.vm}'s ${d.appliedAllows ? 'last applied firewall' : 'boot document'} does not match its firewall rows in the database: ${[...extra.map((a) => `opens ${a} with no row`), ...missing.map((a) => `a row allows ${a} that the VM does not open`)].join('; ')}.`,
                origin,
              ),
              kind: 'data',
            });
          else matched++;
        }
      }
      if (matched)
        out.push({
          ...pass(
            `${matched} live VM(s) open exactly the ports of their firewall rows in the database, with inbound denied by default.`,
            { resource: 'table:public.firewall_rules' },
            `live=${matched}`,
          ),
          kind: 'data',
        });
    }
    for (const vm of f.unwitnessed ?? [])
      out.push({ ...fail(`Live VM ${vm} has no vm.provisioned audit event, so no recorded boot document is matched to it.`, { resource: `row:public.vms.id=${vm}` }), kind: 'data' });
    for (const d of documents) {
      const witness = `vm ${d.vm}, vm.provisioned seq ${d.seq}`;
      if (!d.settings) {
        out.push({
          ...fail(
            `VM ${d.vm} (provisioned at audit seq ${d.seq}) has no recorded boot document${d.operation === null ? ' and no create_server request' : ''}, so nothing shows what it booted with.`,
            { resource: d.operation === null ? `row:public.audit_events.seq=${d.seq}` : `row:public.provider_operations.id=${d.operation}` },
            witness,
          ),
          kind: 'data',
        });
        continue;
      }
      const p = problems(d.settings, aspect, maxRetry, d.declaredAllows);
      if (p.length)
        out.push({
          ...fail(
            `VM ${d.vm}'s recorded boot document (provider ${d.provider ?? '?'}, operation ${d.operation}): ${p.join('; ')}.`,
            { resource: `row:public.provider_operations.id=${d.operation}` },
            witness,
          ),
          kind: 'data',
        });
      else good++;
    }
    if (good)
      out.push({
        ...pass(
          `${good} recorded VM boot document(s) hold for ${aspect.replaceAll('_', ' ')}${aspect === 'firewall_default_deny' ? ', each opening exactly the ports its provisioning event declared' : ''}.`,
          { resource: 'table:public.provider_operations' },
          `documents=${f.documents.length}`,
        ),
        kind: 'data',
      });
    return out;
  },
});
