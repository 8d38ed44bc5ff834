/** The verify, diff and report commands through the real `trust` binary. */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'evidence', 'cli', 'bin.mjs');
const data = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-data-'));
const env = { ...process.env, TRUST_DATA_DIR: data, TRUST_FIXTURE_ROOT: data, CI: '1' };

function trust(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env });
}
function fixtureRun(outDir: string, variant: 'ok' | 'broken') {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/evidence/run-fixture.ts'), outDir, variant], { cwd: ROOT, encoding: 'utf8', env });
}

let ok: string;
let broken: string;
beforeAll(() => {
  ok = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-ok-'));
  broken = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-broken-'));
  expect(fixtureRun(ok, 'ok').status).toBe(0);
  expect(fixtureRun(broken, 'broken').status).toBe(1);
}, 120_000);

/** The SHA-256 fingerprint of the key that signed the passing fixture run (DER SubjectPublicKeyInfo), as --fingerprint takes it. */
const fingerprint = () =>
  createHash('sha256')
    .update(createPublicKey(readFileSync(path.join(ok, 'bundle.pub.pem'))).export({ type: 'spki', format: 'der' }))
    .digest('hex');

describe('trust verify', () => {
  it('exit 0 on a fresh bundle with a pinned signer, naming its hash, key and the development-key warning', () => {
    const r = trust('verify', path.join(ok, 'bundle.json'), '--fingerprint', fingerprint());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verified: bundle\.json sha256 [0-9a-f]{64}\n/);
    expect(r.stdout).toContain('note: signed with a DEVELOPMENT key');
  });

  it('exit 1 with one line per failure on a tampered copy; exit 2 when a file is missing', () => {
    const t = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-tamper-'));
    for (const f of ['bundle.json', 'bundle.sig.json', 'bundle.pub.pem']) copyFileSync(path.join(ok, f), path.join(t, f));
    const b = readFileSync(path.join(t, 'bundle.json'));
    const i = b.indexOf('"holds"') + 2;
    b[i] = 'x'.charCodeAt(0);
    writeFileSync(path.join(t, 'bundle.json'), b);
    const r = trust('verify', path.join(t, 'bundle.json'), '--json');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.failures[0]).toMatch(/^bundle\.json: SHA-256 [0-9a-f]{64} does not match the signed digest [0-9a-f]{64}$/);
    expect(j.failures[1]).toMatch(/^bundle\.json: does not match the bundle schema \(\/evaluations\/\d+\/verdict: /);
    // Another key, given explicitly, is refused.
    const otherKey = path.join(t, 'other.pub.pem');
    writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const other = trust('verify', path.join(ok, 'bundle.json'), '--key', otherKey);
    expect(other.status).toBe(1);
    expect(other.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^signature keyid [0-9a-f]{16} does not match the public key \(keyid [0-9a-f]{16}\)$/),
      'signature: Ed25519 signature over the DSSE payload does not verify with the public key',
    ]);
    const missing = trust('verify', path.join(t, 'nope.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n').find((l) => l.startsWith('trust verify:'))).toMatch(/nope\.json: cannot read the bundle \(ENOENT\)$/);
  });
});

describe('trust verify authenticates the signer', () => {
  it("on an auditor's machine, never exits 0 with only the key lying beside the bundle, and says why", () => {
    const auditor = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-auditor-'));
    const r = spawnSync(process.execPath, [BIN, 'verify', path.join(ok, 'bundle.json')], { cwd: ROOT, encoding: 'utf8', env: { ...env, TRUST_DATA_DIR: auditor } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^signer not authenticated: bundle\.pub\.pem lies beside the bundle/m);
  });

  it('on the machine that signs, its own signing key is the pin', () => {
    expect(trust('verify', path.join(ok, 'bundle.json')).status).toBe(0);
  });

  it('refuses a bundle re-signed with another key placed beside it, when the real fingerprint is pinned', () => {
    const t = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-forged-'));
    const pinned = fingerprint();
    // The attacker's own key signs a copy and lies beside it (TRUST_SIGNING_KEY of the fixture run).
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/evidence/run-fixture.ts'), t, 'ok'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, TRUST_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    expect(forged.status, forged.stderr).toBe(0);
    const r = trust('verify', path.join(t, 'bundle.json'), '--fingerprint', pinned);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^signer: the key's SHA-256 [0-9a-f]{64} is not the pinned fingerprint /m);
    // The same pin in the environment.
    const viaEnv = spawnSync(process.execPath, [BIN, 'verify', path.join(t, 'bundle.json')], { cwd: ROOT, encoding: 'utf8', env: { ...env, TRUST_VERIFY_FINGERPRINT: pinned } });
    expect(viaEnv.status).toBe(1);
    // Here, with no pin given, this installation's own key is the pin: the forgery fails too.
    const here = trust('verify', path.join(t, 'bundle.json'));
    expect(here.status).toBe(1);
    expect(here.stdout).toMatch(/is not the pinned fingerprint [0-9a-f]{64} \(this installation's signing key/);
    expect(trust('verify', path.join(ok, 'bundle.json'), '--fingerprint', 'abc').status).toBe(2);
  });
});

describe('trust diff', () => {
  it('prints the observed status change between two runs; --json too', () => {
    const r = trust('diff', path.join(ok, 'mapping.json'), path.join(broken, 'mapping.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(1)).toEqual([
      '0 added, 0 removed, 0 claimed and 1 observed status changes, 0 changed definitions, 0 mapping changes',
      '~ tokens_encrypted observed status live -> roadmap',
      '',
    ]);
    const j = JSON.parse(trust('diff', path.join(ok, 'mapping.json'), path.join(broken, 'mapping.json'), '--json').stdout);
    expect(j.changes).toEqual([{ kind: 'observed_status', control: 'tokens_encrypted', from: 'live', to: 'roadmap' }]);
  });
  it('exit 2 naming the file when an input is not a mapping', () => {
    const r = trust('diff', path.join(ok, 'results.json'), path.join(broken, 'mapping.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/results\.json: \/format: .*expected a trust-controls-mapping\/1 file/);
  });
});

describe('trust report', () => {
  it("re-renders report.md byte-identically from the signed bundle alone, judged at the run's as-of", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'trust-cli-report-'));
    // The fixture run's instant (test/fixtures/evidence/run-fixture.ts), as the report's own text says.
    const r = trust('report', '--bundle', path.join(ok, 'bundle.json'), '--out', out, '--as-of', '2026-11-21T12:00:00Z');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toBe(readFileSync(path.join(ok, 'report.md'), 'utf8'));
    expect(statSync(path.join(out, 'report.pdf')).size).toBeGreaterThan(5000);
  });
});
