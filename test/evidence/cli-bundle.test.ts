/**
 * The CLI runs from a compiled bundle (evidence/cli/bundle.mjs): it must be rebuilt when
 * a source changes and behave exactly as the TypeScript sources do through tsx.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error plain JavaScript module without types
import { bundleDir, ENTRIES } from '../../evidence/cli/bundle.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'evidence', 'cli', 'bin.mjs');

describe('the compiled CLI bundle', () => {
  it('is built once, reused while the sources are unchanged, and rebuilt when one changes', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'trust-bundle-'));
    const first: string = await bundleDir({ cache });
    for (const entry of Object.keys(ENTRIES)) expect(existsSync(path.join(first, `${entry}.js`)), entry).toBe(true);
    expect(await bundleDir({ cache })).toBe(first);
    const manifest = JSON.parse(readFileSync(path.join(cache, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.inputs)).toContain('collectors/code.ts');

    // A source edited since: same content is enough, the time stamp differs.
    const source = path.join(ROOT, 'evidence', 'progress.ts');
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 2000));
      const second = await bundleDir({ cache });
      expect(second).not.toBe(first);
      expect(existsSync(path.join(second, 'main.js'))).toBe(true);
    } finally {
      utimesSync(source, atime, mtime);
    }
  });

  it('is optional: where it cannot be built, the CLI is told to run the sources through tsx', async () => {
    // A file where the cache directory would go: no build directory can be made there.
    const blocked = path.join(mkdtempSync(path.join(os.tmpdir(), 'trust-bundle-')), 'not-a-dir');
    writeFileSync(blocked, '');
    expect(await bundleDir({ cache: path.join(blocked, 'cache') })).toBeNull();
  });

  it('gives the same output and exit code as the sources run through tsx', () => {
    const run = (extra: Record<string, string>) => spawnSync(process.execPath, [BIN, 'catalog'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1', ...extra } });
    const bundled = run({});
    const sources = run({ TRUST_NO_BUNDLE: '1' });
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toContain('controls');
    expect({ status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({ status: sources.status, stdout: sources.stdout, stderr: sources.stderr });
  });
});
