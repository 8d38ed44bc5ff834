/**
 * trust watch: runs never overlap, and SIGINT/SIGTERM stop it cleanly (at once when idle,
 * after the current run otherwise; a second signal aborts the run). A stand-in for the gate
 * (TRUST_WATCH_BIN) records when each run starts and ends, so no database is needed.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-watch-'));
const fake = path.join(dir, 'fake-gate.mjs');
// Each run appends "start <t>" and "end <t>" to the record and takes RUN_MS.
writeFileSync(
  fake,
  `
import { appendFileSync } from 'node:fs';
const rec = process.env.WATCH_RECORD;
appendFileSync(rec, 'start ' + Date.now() + ' ' + process.argv.slice(2).join(' ') + '\\n');
setTimeout(() => { appendFileSync(rec, 'end ' + Date.now() + '\\n'); process.exit(0); }, Number(process.env.RUN_MS));
`,
);

function watch(args: string[], runMs: number, record: string) {
  const child = spawn(process.execPath, [path.join(ROOT, 'evidence/cli/bin.mjs'), 'watch', ...args], {
    env: { ...process.env, TRUST_WATCH_BIN: fake, WATCH_RECORD: record, RUN_MS: String(runMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { child, exited, stderr: () => stderr };
}

function events(record: string): { kind: string; t: number }[] {
  if (!existsSync(record)) return [];
  return readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ kind: l.split(' ')[0], t: Number(l.split(' ')[1]) }));
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('trust watch', () => {
  it('runs that take longer than the interval never overlap; --runs stops after N; check options pass through', async () => {
    const record = path.join(dir, 'overlap.log');
    const w = watch(['--every', '1s', '--runs', '3', '--', '--out', '/tmp/x'], 1500, record);
    expect(await w.exited).toBe(0);
    const e = events(record);
    expect(e.map((x) => x.kind)).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
    for (let i = 2; i < e.length; i += 2) expect(e[i].t).toBeGreaterThanOrEqual(e[i - 1].t);
    expect(readFileSync(record, 'utf8')).toMatch(/start \d+ check --out \/tmp\/x/);
    expect(w.stderr()).toMatch(/took longer than --every 1s/);
  }, 90_000);

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} during a run lets it finish, then exits 0 without starting another`, async () => {
      const record = path.join(dir, `${sig}-run.log`);
      const w = watch(['--every', '1s'], 1500, record);
      await until(() => events(record).length === 1);
      w.child.kill(sig);
      expect(await w.exited).toBe(0);
      expect(events(record).map((x) => x.kind)).toEqual(['start', 'end']);
      expect(w.stderr()).toMatch(new RegExp(`${sig}: stopping after the current run`));
    }, 90_000);
  }

  it('a signal while idle stops at once; a second signal during a run aborts it (exit 130)', async () => {
    const idle = path.join(dir, 'idle.log');
    const w = watch(['--every', '1h'], 100, idle);
    await until(() => events(idle).length === 2);
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);

    const busy = path.join(dir, 'abort.log');
    const b = watch(['--every', '1s'], 20_000, busy);
    await until(() => events(busy).length === 1);
    b.child.kill('SIGINT');
    await until(() => /stopping after the current run/.test(b.stderr()));
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(130);
    expect(events(busy).map((x) => x.kind)).toEqual(['start']);
  }, 90_000);

  it('bad input: one line, exit 2', async () => {
    for (const args of [[], ['--every', 'hourly'], ['--every', '1h', '--runs', '0']]) {
      const w = watch(args, 0, path.join(dir, 'never.log'));
      expect(await w.exited).toBe(2);
      expect(w.stderr().trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});
