import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

// Tests run through esbuild, which strips types without checking them: this is where a
// type error anywhere in the project fails the suite.
it('the whole project typechecks (tsc --noEmit, strict)', () => {
  const root = path.resolve(import.meta.dirname, '..');
  let output = '';
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(
    output
      .split('\n')
      .filter((l) => l.includes('error TS'))
      .slice(0, 20),
  ).toEqual([]);
}, 300_000);
