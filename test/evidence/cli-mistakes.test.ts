/** A user's mistakes on the command line: exit 2, one line, the cause and the way out. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'evidence', 'cli', 'bin.mjs');

function trust(args: string[], extraEnv: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = { ...process.env, CI: '1' };
  for (const v of ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL']) delete env[v];
  Object.assign(env, extraEnv);
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 60_000 });
  const lines = (r.stdout + r.stderr).split('\n').filter(Boolean);
  return { status: r.status, lines, text: r.stdout + r.stderr };
}

describe('CLI mistakes', () => {
  it('a misspelt command suggests the nearest one', () => {
    const r = trust(['chek']);
    expect(r.status).toBe(2);
    expect(r.lines).toEqual(['trust: unknown command "chek". Did you mean "check"? Run `trust --help` for the list.']);
  });

  it('an unknown flag is named once, with the nearest flag when there is one', () => {
    const fast = trust(['check', '--fast']);
    expect(fast.status).toBe(2);
    expect(fast.lines).toEqual(["trust check: Unknown option '--fast'. (see trust check --help)"]);
    const typo = trust(['check', '--baselin', 'x']);
    expect(typo.status).toBe(2);
    expect(typo.lines[0]).toBe("trust check: Unknown option '--baselin'. did you mean --baseline? (see trust check --help)");
  });

  it('a DATABASE_URL that is not a URL is named, without a DNS error or a stack trace', () => {
    const r = trust(['check'], { DATABASE_URL: 'notaurl' });
    expect(r.status).toBe(2);
    expect(r.lines[0]).toMatch(/^trust check: DATABASE_URL is not a PostgreSQL connection URL/);
    expect(r.text).not.toMatch(/getaddrinfo|ENOTFOUND|^\s+at /m);
  });

  it('names TRUST_READER_URL the same way', () => {
    const r = trust(['check'], { TRUST_READER_URL: 'http://example' });
    expect(r.status).toBe(2);
    expect(r.lines[0], r.text).toMatch(/^trust check: TRUST_READER_URL is not a PostgreSQL connection URL/);
  });
});
