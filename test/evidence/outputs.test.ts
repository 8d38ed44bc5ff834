import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recoverOutputs } from '../../evidence/output/atomic-set.ts';
import { verifyBundleBytes } from '../../evidence/bundle/verify.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'fixtures', 'evidence', 'run-fixture.ts');
const fixtureRoot = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-root-'));

function run(outDir: string, variant: 'ok' | 'broken', killAfter?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, outDir, variant], {
    cwd: ROOT, encoding: 'utf8',
    env: { ...process.env, TRUST_FIXTURE_ROOT: fixtureRoot, TRUST_DATA_DIR: path.join(fixtureRoot, '.data'), TRUST_TEST_KILL_AFTER: killAfter ?? '' },
  });
}

/** Visible outputs -> SHA-256 of their content. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).filter((f) => !f.startsWith('.')).sort().map((f) => [f, sha256Hex(readFileSync(path.join(dir, f)))]));
}

const EXPECTED = ['bundle.json', 'bundle.pub.pem', 'bundle.sig.json', 'changelog.json', 'junit.xml', 'mapping.json', 'report.md', 'report.pdf', 'results.json', 'results.sarif'];

describe('outputs are written as one set', () => {
  let outDir: string;
  let before: Record<string, string>;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-'));
    const r = run(outDir, 'ok');
    expect(r.status, r.stderr).toBe(0);
    before = snapshot(outDir);
  }, 120_000);

  it('a complete run writes every output', () => {
    expect(Object.keys(before)).toEqual(EXPECTED);
  });

  let brokenSet: Record<string, string>;
  beforeAll(() => {
    const ref = mkdtempSync(path.join(os.tmpdir(), 'trust-outputs-ref-'));
    expect(run(ref, 'broken').status).toBe(1);
    brokenSet = snapshot(ref);
    expect(brokenSet).not.toEqual(before);
  }, 120_000);

  for (const phase of ['signed', 'rendered-markdown', 'before-commit']) {
    it(`a run killed at "${phase}" leaves the previous outputs complete and unchanged`, () => {
      const r = run(outDir, 'broken', phase);
      expect(r.signal).toBe('SIGKILL');
      expect(snapshot(outDir)).toEqual(before);
      // The next run discards the dead run's incomplete staging directory.
      recoverOutputs(outDir);
      expect(readdirSync(outDir).filter((f) => f.startsWith('.'))).toEqual([]);
      expect(snapshot(outDir)).toEqual(before);
    }, 120_000);
  }

  it('a run killed once its set is complete but before moving it leaves the old set, and the next run completes the new one', () => {
    const r = run(outDir, 'broken', 'staged');
    expect(r.signal).toBe('SIGKILL');
    expect(snapshot(outDir)).toEqual(before);
    recoverOutputs(outDir);
    expect(snapshot(outDir)).toEqual(brokenSet);
    expect(run(outDir, 'ok').status).toBe(0);
    expect(snapshot(outDir)).toEqual(before);
  }, 120_000);

  it('a run killed while moving files into place is rolled forward by the next run: never a mix', () => {
    const r = run(outDir, 'broken', 'first-rename');
    expect(r.signal).toBe('SIGKILL');
    const mixed = snapshot(outDir);
    expect(mixed).not.toEqual(before);
    expect(mixed).not.toEqual(brokenSet);
    recoverOutputs(outDir);
    expect(snapshot(outDir)).toEqual(brokenSet);
    expect(readdirSync(outDir).filter((f) => f.startsWith('.'))).toEqual([]);
    const v = verifyBundleBytes(readFileSync(path.join(outDir, 'bundle.json')), readFileSync(path.join(outDir, 'bundle.sig.json')), readFileSync(path.join(outDir, 'bundle.pub.pem'), 'utf8'));
    expect(v.failures).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(outDir, 'mapping.json'), 'utf8')).bundleSha256).toBe(v.bundleSha256);
  }, 120_000);
});
