/**
 * `npm run bench` (started by ./bin.mjs): the benchmark suite; every figure against a reference
 * measured in the same run. Developer tooling, not a `trust` command: it measures every layer
 * and ships with none (README "Performance"). It reuses the CLI's argument parser and help.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand } from '../../evidence/cli/args.ts';
import { configureZod } from '../../evidence/cli/zod-jitless.ts';
import { EnvironmentError, InputError } from '../../platform/kernel/errors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const spec = {
  name: 'bench',
  invocation: 'npm run bench --',
  usage: '[--smoke] [--only name,...] [--json] [--out file]',
  description:
    'Builds the scale workloads (1,000 tables, 1,000,000 audit events, 200/2,000-control catalogs),\n' +
    'measures each benchmark against its reference in the same run (median after a warm-up),\n' +
    'prints a table and writes out/bench.json. Exit 0 when every goal is met, 1 when one is missed.',
  options: {
    smoke: { type: 'boolean' as const, description: 'Tiny workloads, one run each; goals are not judged' },
    only: { type: 'string' as const, description: 'Comma-separated benchmark names to run' },
    json: { type: 'boolean' as const, description: 'Print the JSON result instead of the table' },
    out: { type: 'string' as const, description: 'Where to write the JSON (default out/bench.json)' },
  },
  examples: ['npm run bench', 'npm run bench -- --only cli-start,pdf-report', 'npm run bench -- --smoke --json'],
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const { runBench } = await import('./runner.ts');
  const { formatTable } = await import('./table.ts');
  const { BENCHMARKS } = await import('./registry.ts');
  const values = args.values as { smoke?: boolean; only?: string; json?: boolean; out?: string };
  const only = String(values.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = BENCHMARKS.map((b) => b.name);
  const bad = only.filter((n) => !known.includes(n));
  if (bad.length) throw new InputError(`--only names unknown benchmark(s) ${bad.join(', ')}; known: ${known.join(', ')}`);
  const json = Boolean(values.json);
  const outFile = path.resolve(String(values.out || path.join(ROOT, 'out', 'bench.json')));
  const smoke = Boolean(values.smoke);
  const results = await runBench({
    smoke,
    only,
    root: ROOT,
    outFile,
    log: (m) => process.stderr.write(m + '\n'),
  });
  if (json) process.stdout.write(JSON.stringify({ benchmarks: results }, null, 2) + '\n');
  else process.stdout.write('\n' + formatTable(results) + `\nwrote ${path.relative(process.cwd(), outFile) || outFile}\n`);
  if (smoke) return results.some((r) => r.error) ? 1 : 0;
  return results.some((r) => r.met === false || r.error) ? 1 : 0;
}

/** Exit codes as the CLI's: 0 every goal met, 1 one missed, 2 bad input or environment. */
export async function main(argv: string[]): Promise<number> {
  try {
    // The process the in-process benchmarks run in is configured as the CLI's is (main.ts).
    configureZod();
    return await run(argv);
  } catch (e) {
    // Not evidence/cli/main.ts's reportError: its lines begin `trust <command>:`, and the bench is no trust command.
    const err = e as Error;
    if (e instanceof InputError || e instanceof EnvironmentError) process.stderr.write(`npm run bench: ${err.message}\n`);
    else process.stderr.write(`npm run bench: internal error: ${err?.stack ?? String(e)}\n`);
    return 2;
  }
}
