/** vm_boot_config: the cloud-init template and every recorded boot document keep SSH key-only, inbound default deny, and the sshd jail. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/vm-boot-config.ts';
import { checkOf, failing } from './story.ts';
import type { BootSettings } from '../../collectors/vm-boot.ts';

const { run, story } = checkOf(check);

const settings = (): BootSettings => ({
  header: true,
  parseError: null,
  sshPwauth: 'false',
  disableRoot: 'true',
  sshd: { PasswordAuthentication: 'no', KbdInteractiveAuthentication: 'no', PermitRootLogin: 'prohibit-password' },
  usersWithPassword: [],
  chpasswd: false,
  authorizedKeys: 1,
  packages: ['fail2ban', 'ufw'],
  sshdFiles: [],
  bootcmds: [],
  commands: ['ufw default deny incoming', 'ufw allow proto tcp from 0.0.0.0/0 to any port 443', 'ufw --force enable', 'systemctl enable --now fail2ban'],
  fail2banJails: { sshd: { enabled: 'true', maxretry: '5' } },
  lines: { ssh_pwauth: 10, runcmd: 30, write_files: 20 },
});
const facts = () => ({
  template: { file: 'platform/vms/cloud-init.yaml', settings: { ...settings(), commands: ['ufw default deny incoming', 'ufw --force enable', 'systemctl enable --now fail2ban'] } },
  documents: [{ vm: 'v1', server: 's1', seq: 7, operation: 3, provider: 'local', declaredAllows: ['ufw allow proto tcp from 0.0.0.0/0 to any port 443'], parsed: 0 }],
  parsed: [settings()],
});

describe('vm_boot_config', () => {
  story('clean (every aspect) → ssh_pwauth: true in the template → false again', () => {
    for (const aspect of ['ssh_key_only', 'firewall_default_deny', 'fail2ban_sshd']) expect(run({ vm_boot: facts() }, { aspect }).status, aspect).toBe('pass');
    const t = facts();
    t.template.settings.sshPwauth = 'true';
    expect(failing(run({ vm_boot: t }, { aspect: 'ssh_key_only' }))[0].origin).toEqual({ resource: 'file:platform/vms/cloud-init.yaml', file: 'platform/vms/cloud-init.yaml', line: 10 });
    t.template.settings.sshPwauth = 'false';
    expect(run({ vm_boot: t }, { aspect: 'ssh_key_only' }).status).toBe('pass');
  });

  story('clean → a recorded document opens a port its firewall rows do not declare → declared', () => {
    const d = facts();
    expect(run({ vm_boot: d }, { aspect: 'firewall_default_deny' }).status).toBe('pass');
    d.documents[0].declaredAllows = [];
    expect(failing(run({ vm_boot: d }, { aspect: 'firewall_default_deny' }))[0]).toMatchObject({ origin: { resource: 'row:public.provider_operations.id=3' }, kind: 'data' });
    d.documents[0].declaredAllows = facts().documents[0].declaredAllows;
    expect(run({ vm_boot: d }, { aspect: 'firewall_default_deny' }).status).toBe('pass');
  });
});
