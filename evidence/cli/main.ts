/**
 * Dispatches a command and maps errors to exit codes:
 * 0 success, 1 a claim does not hold (returned by the command), 2 bad input or environment.
 * The first line on stderr is always the one-line cause.
 */
import { InputError, EnvironmentError } from '../../platform/kernel/errors.ts';
import { COMMANDS } from './help.mjs';
import { CollectorError } from '../../collectors/collector-error.ts';
import { configureZod } from './zod-jitless.ts';

type CommandModule = { run(argv: string[]): Promise<number> };

// The one list of commands is evidence/cli/help.mjs (plain JS, so `trust --help` loads
// nothing else); each is the module ./commands/<name>.ts exporting run(argv): Promise<exit
// code>. esbuild bundles this template import as one chunk per file under ./commands/.
const NAMES = new Set(COMMANDS.map((c) => c.name));
const loaderOf = (name: string): (() => Promise<CommandModule>) | undefined => (NAMES.has(name) ? () => import(`./commands/${name}.ts`) as Promise<CommandModule> : undefined);

export async function main(name: string, argv: string[]): Promise<number> {
  const load = loaderOf(name);
  if (!load) {
    process.stderr.write(`trust: command "${name}" is listed but not implemented\n`);
    return 2;
  }
  try {
    configureZod();
    const mod = await load();
    return await mod.run(argv);
  } catch (e) {
    return reportError(name, e);
  }
}

/** Writes the one-line cause of a failed command to stderr and returns its exit code. */
export function reportError(name: string, e: unknown): number {
  {
    if (e instanceof InputError || e instanceof EnvironmentError) {
      process.stderr.write(`trust ${name}: ${e.message}\n`);
      for (const d of (e as InputError).details ?? []) process.stderr.write(`  ${d}\n`);
      return 2;
    }
    // A collector that could not observe (its query failed, its file is unreadable) is the
    // environment, not a bug here: its exit code (2) and one line naming the collector.
    if (e instanceof CollectorError) {
      process.stderr.write(`trust ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    const err = e as Error & { code?: string };
    // node-postgres connection failures: the environment, not a regression.
    if (err && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '28P01', '3D000', 'ECONNRESET'].includes(err.code ?? '')) {
      process.stderr.write(`trust ${name}: database unreachable (${err.code}): ${err.message.split('\n')[0]}\n`);
      return 2;
    }
    process.stderr.write(`trust ${name}: internal error: ${err?.message ?? String(e)}\n`);
    if (err?.stack) process.stderr.write(err.stack.split('\n').slice(1, 6).join('\n') + '\n');
    return 2;
  }
}
