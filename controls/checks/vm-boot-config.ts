import { z } from 'zod';
import { defineCheck, type Finding, type Origin } from './types.ts';
import type { BootSettings, VmBootFacts } from '../../collectors/vm-boot.ts';
import { factsOf, fail, pass } from './helpers.ts';

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
  if (aspect === 'ssh_key_only') {
    if (s.sshPwauth !== 'false') out.push(`ssh_pwauth is ${s.sshPwauth ?? 'absent'}, not false`);
    const d = s.sshd;
    if (d.PasswordAuthentication !== 'no') out.push(`PasswordAuthentication is ${d.PasswordAuthentication ?? 'absent'}, not no`);
    if (d.KbdInteractiveAuthentication !== 'no') out.push(`KbdInteractiveAuthentication is ${d.KbdInteractiveAuthentication ?? 'absent'}, not no`);
    if (d.ChallengeResponseAuthentication !== undefined && d.ChallengeResponseAuthentication !== 'no') out.push(`ChallengeResponseAuthentication is ${d.ChallengeResponseAuthentication}`);
    if (!['prohibit-password', 'without-password', 'no'].includes(d.PermitRootLogin ?? '')) out.push(`PermitRootLogin is ${d.PermitRootLogin ?? 'absent'}, not prohibit-password or no`);
    if (d.PermitEmptyPasswords !== undefined && d.PermitEmptyPasswords !== 'no') out.push(`PermitEmptyPasswords is ${d.PermitEmptyPasswords}`);
    if (s.usersWithPassword.length) out.push(`user(s) ${s.usersWithPassword.join(', ')} get a password`);
    if (s.chpasswd) out.push('chpasswd sets passwords');
  } else if (aspect === 'firewall_default_deny') {
    const ufw = s.commands.filter((c) => c.startsWith('ufw '));
    const defaults = ufw.filter((c) => /^ufw default \w+ incoming$/.test(c));
    if (defaults.at(-1) !== 'ufw default deny incoming') out.push(`the inbound default is ${defaults.at(-1)?.split(' ')[2] ?? 'never set'}, not deny`);
    if (!ufw.some((c) => /^ufw (--force )?enable$/.test(c))) out.push('ufw is never enabled');
    if (ufw.some((c) => c === 'ufw disable')) out.push('ufw is disabled');
    const allows = ufw.filter((c) => c.startsWith('ufw allow '));
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
  description: 'The VM first-boot template and every boot document the provider recorded set the given aspect: SSH key-only logins, ufw default-deny inbound with exactly the declared ports, or a fail2ban sshd jail.',
  collectors: ['vm_boot'],
  params: z.object({
    aspect: Aspect,
    /** fail2ban_sshd: most failed logins the sshd jail may allow before a ban. */
    maxRetry: z.number().int().positive().default(5),
  }).strict(),
  evaluate(facts, { aspect, maxRetry }) {
    const f = factsOf<VmBootFacts>(facts, 'vm_boot');
    const out: Finding[] = [];
    const t = f.template;
    const tp = problems(t.settings, aspect, maxRetry, aspect === 'firewall_default_deny' ? [] : null);
    const line = t.settings.lines[aspect === 'ssh_key_only' && t.settings.sshPwauth === 'false' ? 'PasswordAuthentication' : KEY_LINE[aspect]];
    const tOrigin: Origin = { resource: `file:${t.file}`, file: t.file, ...(line ? { line } : {}) };
    out.push(tp.length
      ? fail(`The VM boot template \`${t.file}\`: ${tp.join('; ')}.`, tOrigin)
      : pass(`The VM boot template \`${t.file}\` holds for ${aspect.replaceAll('_', ' ')}.`, tOrigin));
    let good = 0;
    for (const d of f.documents) {
      const witness = `vm ${d.vm}, vm.provisioned seq ${d.seq}`;
      if (!d.settings) {
        out.push({ ...fail(`VM ${d.vm} (provisioned at audit seq ${d.seq}) has no recorded boot document${d.operation === null ? ' and no create_server request' : ''}, so nothing shows what it booted with.`,
          { resource: d.operation === null ? `row:public.audit_events.seq=${d.seq}` : `row:public.provider_operations.id=${d.operation}` }, witness), kind: 'data' });
        continue;
      }
      const p = problems(d.settings, aspect, maxRetry, d.declaredAllows);
      if (p.length) out.push({ ...fail(`VM ${d.vm}'s recorded boot document (provider ${d.provider ?? '?'}, operation ${d.operation}): ${p.join('; ')}.`, { resource: `row:public.provider_operations.id=${d.operation}` }, witness), kind: 'data' });
      else good++;
    }
    if (good) out.push({ ...pass(`${good} recorded VM boot document(s) hold for ${aspect.replaceAll('_', ' ')}${aspect === 'firewall_default_deny' ? ', each opening exactly the ports its provisioning event declared' : ''}.`, { resource: 'table:public.provider_operations' }, `documents=${f.documents.length}`), kind: 'data' });
    return out;
  },
});
