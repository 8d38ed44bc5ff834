/**
 * The walls between the layers (.dependency-cruiser.cjs) hold on the tree, and the rule
 * really fails on a wrong import: a temporary tree with the same config and one
 * deliberately wrong import per wall. `.astro` files, which dependency-cruiser does not
 * parse, get the site rule here.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string, dirs: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [depcruise, ...dirs, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    // Exit code = number of errors; the JSON report is on stdout all the same.
    out = (e as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

const show = (vs: Violation[]) => vs.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('layer walls', () => {
  it('the tree keeps every wall', () => {
    expect(show(cruise(root, ['platform', 'collectors', 'controls', 'evidence', 'site']))).toEqual([]);
  });

  it('.astro files import only the site, the published contract and the kernel', () => {
    const bad: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.astro') ? [path.join(dir, d.name)] : []));
    for (const file of walk(path.join(root, 'site'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)) {
        const target = path
          .relative(root, path.resolve(path.dirname(file), m[1]!))
          .split(path.sep)
          .join('/');
        if (!/^(site\/|evidence\/contract\.ts$|platform\/kernel\/)/.test(target)) bad.push(`${path.relative(root, file)} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  describe('a deliberately wrong import fails the rule', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'walls-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const put = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
      writeFileSync(path.join(tmp, file), text);
    };
    copyFileSync(path.join(root, '.dependency-cruiser.cjs'), path.join(tmp, '.dependency-cruiser.cjs'));
    put('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
    put('platform/kernel/errors.ts', 'export class InputError extends Error {}\n');
    put('collectors/schema.ts', 'export interface SchemaFacts { tables: string[] }\nexport function findTable() { return 1; }\n');
    put('platform/db.ts', 'export const pool = 1;\n');
    put('controls/types.ts', 'export interface Catalog { version: string }\n');
    put('evidence/types.ts', 'export const BundleSchema = 1;\n');
    put('evidence/contract.ts', "export { BundleSchema } from './types.ts';\n");
    // Allowed: a type-only fact import in a check, the kernel from anywhere, the contract from the site.
    put(
      'controls/checks/fine.ts',
      "import type { SchemaFacts } from '../../collectors/schema.ts';\nimport { InputError } from '../../platform/kernel/errors.ts';\nexport const f = (x: SchemaFacts) => new InputError(String(x));\n",
    );
    put('site/lib/fine.ts', "import { BundleSchema } from '../../evidence/contract.ts';\nexport const b = BundleSchema;\n");
    // The bench imports every layer; only shipped code importing it is wrong.
    put('test/bench/runner.ts', "import { pool } from '../../platform/db.ts';\nimport { findTable } from '../../collectors/schema.ts';\nexport const r = [pool, findTable];\n");
    put('test/bench/smoke.test.ts', "import { r } from './runner.ts';\nexport const s = r;\n");

    it('the allowed imports pass', () => {
      expect(show(cruise(tmp, ['platform', 'collectors', 'controls', 'evidence', 'site', 'test']))).toEqual([]);
    });

    it.each([
      ['platform-is-the-floor', 'platform/bad.ts', "import type { Catalog } from '../controls/types.ts';\nexport type C = Catalog;\n"],
      ['kernel-is-self-contained', 'platform/kernel/bad.ts', "import { pool } from '../db.ts';\nexport const p = pool;\n"],
      ['collectors-observe-only', 'collectors/bad.ts', "import type { Catalog } from '../controls/types.ts';\nexport type C = Catalog;\n"],
      ['checks-judge-fact-types', 'controls/checks/bad.ts', "import { findTable } from '../../collectors/schema.ts';\nexport const t = findTable;\n"],
      ['site-reads-the-contract', 'site/lib/bad.ts', "import { BundleSchema } from '../../evidence/types.ts';\nexport const b = BundleSchema;\n"],
      ['bench-is-developer-tooling', 'evidence/bad.ts', "import { r } from '../test/bench/runner.ts';\nexport const b = r;\n"],
    ])('%s', (rule, file, text) => {
      put(file, text);
      try {
        expect(show(cruise(tmp, ['platform', 'collectors', 'controls', 'evidence', 'site']))).toEqual([expect.stringMatching(new RegExp(`^${rule}: ${file} -> `))]);
      } finally {
        rmSync(path.join(tmp, file));
      }
    });
  });
});
