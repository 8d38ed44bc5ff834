import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recoverOutputs, resolveInSet } from '../../evidence/output/atomic-set.ts';
import { verifyBundleBytes } from '../../evidence/bundle/verify.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'evidence', 'run-fixture.ts');
const fixtureRoot = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-root-'));
type Variant = 'ok' | 'broken';

function env(killAfter?: string, extra: Record<string, string> = {}) {
  return { ...process.env, TRUST_FIXTURE_ROOT: fixtureRoot, TRUST_DATA_DIR: path.join(fixtureRoot, '.data'), TRUST_TEST_KILL_AFTER: killAfter ?? '', ...extra };
}
function run(outDir: string, variant: Variant, killAfter?: string, extra?: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, outDir, variant], { cwd: ROOT, encoding: 'utf8', env: env(killAfter, extra) });
}
/** A real concurrent process; resolves with its exit status and stderr. */
function start(outDir: string, variant: Variant, extra?: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  const p = spawn(process.execPath, ['--import', 'tsx', SCRIPT, outDir, variant], { cwd: ROOT, env: env(undefined, extra) });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => p.on('close', (status) => resolve({ status, stderr })));
}

/** The visible set as a reader walking it sees it (links followed, dot entries skipped): path -> SHA-256. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d)
      .filter((f) => !f.startsWith('.'))
      .sort()) {
      const p = path.join(d, f);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // a dangling link: nothing a reader can open
      }
      if (st.isDirectory()) walk(p, `${rel}${f}/`);
      else out[`${rel}${f}`] = sha256Hex(readFileSync(p));
    }
  };
  walk(dir, '');
  return out;
}

/** The set in place verifies and every file that names a bundle names this one. */
function expectConsistent(dir: string): void {
  const gen = path.dirname(resolveInSet(path.join(dir, 'bundle.json')));
  const v = verifyBundleBytes(readFileSync(path.join(gen, 'bundle.json')), readFileSync(path.join(gen, 'bundle.sig.json')), readFileSync(path.join(gen, 'bundle.pub.pem'), 'utf8'));
  expect(v.failures).toEqual([]);
  for (const f of ['mapping.json', 'results.json']) expect(JSON.parse(readFileSync(path.join(gen, f), 'utf8')).bundleSha256).toBe(v.bundleSha256);
}

const dotEntries = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('.'))
    .sort();

const EXPECTED = [
  'bundle.json',
  'bundle.pub.pem',
  'bundle.sig.json',
  'changelog.json',
  'junit.xml',
  'mapping.json',
  'report.md',
  'report.pdf',
  'results.json',
  'results.sarif',
  'trust.json',
  'trust.sig.json',
];
/** Every step of a run, in order; a kill at one of PUBLISHED or later leaves the new set. */
const PHASES = ['signed', 'rendered-markdown', 'before-commit', 'staged', 'locked', 'linked', 'previous-recorded', 'published', 'unlinked', 'pruned'];
const PUBLISHED = PHASES.indexOf('published');

describe('outputs are written as one set', () => {
  let outDir: string;
  const sets = {} as Record<Variant, Record<string, string>>;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-'));
    const ref = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-ref-'));
    expect(run(ref, 'broken').status).toBe(1);
    sets.broken = snapshot(ref);
    const r = run(outDir, 'ok');
    expect(r.status, r.stderr).toBe(0);
    sets.ok = snapshot(outDir);
    expect(sets.broken).not.toEqual(sets.ok);
  }, 120_000);

  it('a complete run writes every output: links into one generation, published by .current', () => {
    expect(Object.keys(sets.ok)).toEqual(EXPECTED);
    for (const f of EXPECTED) expect(readlinkSync(path.join(outDir, f))).toBe(`.current/${f}`);
    expect(readlinkSync(path.join(outDir, '.current'))).toMatch(/^\.sets\/[0-9a-z]+-\d+-[0-9a-f]+$/);
    expect(dotEntries(outDir)).toEqual(['.current', '.sets']);
    expectConsistent(outDir);
  });

  let inPlace: Variant = 'ok';
  PHASES.forEach((phase, i) => {
    const after = i >= PUBLISHED;
    it(`a run killed at "${phase}" leaves ${after ? 'its own complete set' : 'the previous set complete and unchanged'}`, () => {
      const next: Variant = inPlace === 'ok' ? 'broken' : 'ok';
      const r = run(outDir, next, phase);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      if (after) inPlace = next;
      expect(snapshot(outDir)).toEqual(sets[inPlace]);
      expectConsistent(outDir);
      // What the dead run left (its generation, its lock) goes; the set in place stays.
      recoverOutputs(outDir);
      expect(snapshot(outDir)).toEqual(sets[inPlace]);
      expect(dotEntries(outDir).filter((f) => !['.current', '.previous', '.sets'].includes(f))).toEqual([]);
      expect(readdirSync(path.join(outDir, '.sets')).length).toBeLessThanOrEqual(2);
    }, 120_000);
  });

  it("a reader that resolved the set keeps reading that one run's set while the next run publishes", () => {
    const gen = path.dirname(resolveInSet(path.join(outDir, 'bundle.json')));
    const before = snapshot(gen);
    const next: Variant = inPlace === 'ok' ? 'broken' : 'ok';
    expect(run(outDir, next).status).toBe(next === 'ok' ? 0 : 1);
    inPlace = next;
    expect(snapshot(outDir)).toEqual(sets[next]);
    expect(snapshot(gen)).toEqual(before); // kept as .previous
    expect(readlinkSync(path.join(outDir, '.previous'))).toBe(path.relative(outDir, gen));
    // One publish later it is pruned: at most the current and the previous generation stay.
    run(outDir, inPlace === 'ok' ? 'broken' : 'ok');
    expect(existsSync(gen)).toBe(false);
    expect(readdirSync(path.join(outDir, '.sets')).length).toBe(2);
  }, 120_000);
});

describe('an output directory written by an older version (plain files)', () => {
  let legacy: string;
  let plain: Record<string, string>;
  beforeAll(() => {
    const src = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-src-'));
    expect(run(src, 'ok').status).toBe(0);
    legacy = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-legacy-'));
    cpSync(src, legacy, { recursive: true, dereference: true, filter: (f) => !path.basename(f).startsWith('.') || f === src });
    writeFileSync(path.join(legacy, 'notes.txt'), 'not ours\n');
    plain = snapshot(legacy);
    expect(lstatSync(path.join(legacy, 'bundle.json')).isSymbolicLink()).toBe(false);
  }, 120_000);

  it('a run killed while migrating leaves the old set visible; the next run migrates and publishes', () => {
    const r = run(legacy, 'broken', 'migrated');
    expect(r.signal).toBe('SIGKILL');
    expect(snapshot(legacy)).toEqual(plain);
    const done = run(legacy, 'broken');
    expect(done.status, done.stderr).toBe(1);
    expect(snapshot(legacy)).toEqual({ ...snapshotOf('broken'), 'notes.txt': plain['notes.txt'] });
    for (const f of EXPECTED) expect(lstatSync(path.join(legacy, f)).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(legacy, 'notes.txt')).isSymbolicLink()).toBe(false); // not an output: left alone
    expectConsistent(legacy);
  }, 120_000);
});

function snapshotOf(variant: Variant): Record<string, string> {
  const d = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-ref-'));
  run(d, variant);
  return snapshot(d);
}

describe('concurrent runs into one directory', () => {
  it("two real processes at once serialise on the publish step: each exits normally, the set in place is one run's", async () => {
    const ok = snapshotOf('ok');
    const broken = snapshotOf('broken');
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-race-'));
      const [a, b] = await Promise.all([start(dir, 'ok'), start(dir, 'broken')]);
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(1);
      expect([ok, broken]).toContainEqual(snapshot(dir));
      expectConsistent(dir);
      expect(existsSync(path.join(dir, '.lock'))).toBe(false);
    }
  }, 180_000);

  it('a run that cannot get the lock fails with exit 2 and one line naming the holder; the set in place is untouched', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-lock-'));
    expect(run(dir, 'ok').status).toBe(0);
    const before = snapshot(dir);
    writeFileSync(path.join(dir, '.lock'), `${process.pid} held-by-the-test\n`); // this process is alive
    const r = run(dir, 'broken', undefined, { TRUST_OUT_LOCK_WAIT_MS: '0' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`another trust run (pid ${process.pid}) is publishing its outputs there`);
    expect(snapshot(dir)).toEqual(before);
  }, 120_000);

  it('a run waits for a live holder and publishes once it lets go', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-wait-'));
    writeFileSync(path.join(dir, '.lock'), `${process.pid} held-by-the-test\n`);
    const pending = start(dir, 'ok');
    await new Promise((r) => setTimeout(r, 4000));
    expect(existsSync(path.join(dir, 'bundle.json'))).toBe(false); // still waiting
    rmSync(path.join(dir, '.lock')); // the test's own holder lets go
    const r = await pending;
    expect(r.status, r.stderr).toBe(0);
    expectConsistent(dir);
  }, 120_000);

  it('a lock left by a dead process is taken over', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-stale-'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(path.join(dir, '.lock'), `${dead} killed\n`);
    const r = run(dir, 'ok', undefined, { TRUST_OUT_LOCK_WAIT_MS: '0' });
    expect(r.status, r.stderr).toBe(0);
    expectConsistent(dir);
    expect(existsSync(path.join(dir, '.lock'))).toBe(false);
  }, 120_000);
});

describe('the set writer in-process', () => {
  it('migrates a plain directory entry (oscal/) and carries the rest of the set into a partial re-render', async () => {
    const { OutputSet } = await import('../../evidence/output/atomic-set.ts');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-dir-'));
    writeFileSync(path.join(dir, 'bundle.json'), 'old bundle');
    mkdirSync(path.join(dir, 'oscal'));
    writeFileSync(path.join(dir, 'oscal', 'bundle.json'), 'old oscal');
    const set = new OutputSet(dir);
    set.write('bundle.json', 'new bundle');
    set.write('oscal/bundle.json', 'new oscal');
    set.commit();
    expect(snapshot(dir)).toEqual({ 'bundle.json': sha256Hex('new bundle'), 'oscal/bundle.json': sha256Hex('new oscal') });
    expect(readlinkSync(path.join(dir, 'oscal'))).toBe('.current/oscal');
    const gen = path.dirname(resolveInSet(path.join(dir, 'bundle.json')));
    const partial = new OutputSet(dir, { partial: true, basedOn: gen });
    partial.write('report.md', 'report');
    expect(partial.commit()).toEqual(['report.md']);
    expect(snapshot(dir)).toEqual({ 'bundle.json': sha256Hex('new bundle'), 'oscal/bundle.json': sha256Hex('new oscal'), 'report.md': sha256Hex('report') });
    // Rendered from a set that is no longer the one in place: refused, nothing published.
    const stale = new OutputSet(dir, { partial: true, basedOn: gen });
    stale.write('report.md', 'stale report');
    expect(() => stale.commit()).toThrow(/another run published its outputs while these were rendered/);
    expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toBe('report');
  });
});
