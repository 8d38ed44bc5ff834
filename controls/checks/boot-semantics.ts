/**
 * What a VM's boot configuration does, read the way the programs read it (pure; used by
 * vm_boot_config). Grepping for `PasswordAuthentication no` is not enough: a later file or
 * line can override it, and each program has its own rule for which line wins.
 *
 * sshd (sshd_config(5)): keywords are case-insensitive and the FIRST value obtained for a
 * keyword is used. Debian's /etc/ssh/sshd_config begins with
 * `Include /etc/ssh/sshd_config.d/*.conf`, so drop-ins are read first, in lexical order of
 * their names, then the main file. Lines after a `Match` apply only to matching connections,
 * until the next Match or the end of that file; they do not set the global value, but a Match
 * block that turns a setting back on re-opens it for whoever matches, so they are reported.
 *
 * ufw: commands run in order; for `ufw default POLICY [DIRECTION]` the last one wins
 * (direction defaults to incoming); `ufw reset` returns to deny-incoming and drops every
 * rule. Shell strings are split on `&&`, `||` and `;`. A command that changes sshd's
 * configuration or the packet filter by other means (sed, echo, iptables, nft) cannot be
 * judged and is reported as such.
 */
export interface SshdFile {
  path: string;
  content: string;
  append?: boolean;
}

export interface SshdState {
  /** Lower-case keyword -> first global value, with the file it came from. */
  global: Record<string, { value: string; file: string }>;
  /** Lower-case keyword -> values set inside Match blocks, with the Match line. */
  match: Record<string, { value: string; file: string; criteria: string }[]>;
}

const MAIN = '/etc/ssh/sshd_config';
const DROPIN_DIR = '/etc/ssh/sshd_config.d/';

export function sshdState(files: SshdFile[]): SshdState {
  const dropins = files.filter((f) => f.path.startsWith(DROPIN_DIR) && f.path.endsWith('.conf')).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Later write_files entries for the same path replace earlier ones unless they append.
  const merged = new Map<string, string>();
  for (const f of [...dropins, ...files.filter((x) => x.path === MAIN)]) merged.set(f.path, f.append && merged.has(f.path) ? merged.get(f.path)! + f.content : f.content);
  const state: SshdState = { global: {}, match: {} };
  for (const [file, content] of merged) {
    let criteria: string | null = null;
    for (const raw of content.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
      if (!m) continue;
      const key = m[1].toLowerCase();
      const value = m[2].trim().replace(/^"(.*)"$/, '$1');
      if (key === 'match') {
        criteria = value; // `Match all` too: what follows applies to every connection, overriding
        continue;
      }
      if (criteria !== null) (state.match[key] ??= []).push({ value, file, criteria });
      else if (!(key in state.global)) state.global[key] = { value, file };
    }
  }
  return state;
}

export interface UfwState {
  /** The incoming default after every command (null: never set; ufw's own default is deny). */
  incoming: string | null;
  enabled: boolean;
  /** `ufw allow ...` commands in effect (a reset drops those before it), normalised to single spaces. */
  allows: string[];
  /** Commands that change the packet filter or sshd's files outside ufw and write_files. */
  unjudged: string[];
}

/** Splits shell strings into simple commands (`a && b; c`), unwrapping `sh -c "..."`. */
export function simpleCommands(commands: string[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    const inner = /^(?:ba)?sh\s+-c\s+(['"])([\s\S]*)\1$/.exec(c.trim());
    for (const part of (inner ? inner[2] : c).split(/&&|\|\||;|\n/)) {
      const p = part.trim().replace(/\s+/g, ' ');
      if (p) out.push(p);
    }
  }
  return out;
}

export function ufwState(commands: string[]): UfwState {
  const state: UfwState = { incoming: null, enabled: false, allows: [], unjudged: [] };
  for (const c of simpleCommands(commands)) {
    const words = c.replace(/^sudo /, '').split(' ');
    if (words[0] !== 'ufw') {
      if (/\b(iptables|ip6tables|nft|firewall-cmd)\b/.test(c) || /sshd_config/.test(c)) state.unjudged.push(c);
      continue;
    }
    const args = words.slice(1).filter((w) => w !== '--force');
    if (args[0] === 'default' && args[1]) {
      const direction = args[2] ?? 'incoming';
      if (direction === 'incoming') state.incoming = args[1];
    } else if (args[0] === 'reset') {
      state.incoming = 'deny';
      state.allows = [];
      state.enabled = false;
    } else if (args[0] === 'enable') state.enabled = true;
    else if (args[0] === 'disable') state.enabled = false;
    else if (args[0] === 'allow' || (args[0] === 'insert' && args[2] === 'allow') || args[0] === 'limit') state.allows.push(['ufw', ...args].join(' '));
    else if (args[0] === 'delete') {
      const target = ['ufw', ...args.slice(1)].join(' ');
      state.allows = state.allows.filter((a) => a !== target);
    }
  }
  return state;
}
