/**
 * One list of CLI commands: evidence/cli/help.mjs. main.ts dispatches to
 * evidence/cli/commands/<name>.ts for each listed name, so the list and the files must agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, usage } from '../../evidence/cli/help.mjs';
import { main } from '../../evidence/cli/main.ts';
import { captureStderr } from '../helpers/capture-stderr.ts';

const dir = path.resolve(import.meta.dirname, '../../evidence/cli/commands');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('the command registry', () => {
  it('every listed command has its module, exporting run', () => {
    for (const { name } of COMMANDS) {
      expect(files, name).toContain(name);
      expect(readFileSync(path.join(dir, `${name}.ts`), 'utf8'), name).toMatch(/export async function run\(/);
    }
  });

  it('every module under commands/ is a listed command or a subcommand a listed one imports', () => {
    const listed = new Set(COMMANDS.map((c) => c.name));
    const imported = new Set(COMMANDS.flatMap(({ name }) => [...readFileSync(path.join(dir, `${name}.ts`), 'utf8').matchAll(/import\(?\s*['"]\.\/([\w-]+)\.ts['"]/g)].map((m) => m[1]!)));
    expect(files.filter((f) => !listed.has(f) && !imported.has(f))).toEqual([]);
  });

  it('names are unique and --help lists each once', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(usage().match(new RegExp(`^  ${n} `, 'm')), n).toHaveLength(1);
  });

  it('a name that is not listed is refused, not loaded', async () => {
    const { result, said } = await captureStderr(() => main('audit-witness', []));
    expect(result).toBe(2);
    expect(said).toBe('trust: command "audit-witness" is listed but not implemented\n');
  });
});
