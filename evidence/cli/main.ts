/**
 * Dispatches a command and maps errors to exit codes:
 * 0 success, 1 a claim does not hold (returned by the command), 2 bad input or environment.
 * The first line on stderr is always the one-line cause.
 */
import { InputError, EnvironmentError } from '../../platform/kernel/errors.ts';

type CommandModule = { run(argv: string[]): Promise<number> };

// One module per command in ./commands/<name>.ts exporting run(argv): Promise<exit code>.
const loaders: Record<string, () => Promise<CommandModule>> = {
  start: () => import('./commands/start.ts'),
  migrate: () => import('./commands/migrate.ts'),
  demo: () => import('./commands/demo.ts'),
  audit: () => import('./commands/audit.ts'),
  log: () => import('./commands/log.ts'),
  keys: () => import('./commands/keys.ts'),
  backup: () => import('./commands/backup.ts'),
  catalog: () => import('./commands/catalog.ts'),
  inspect: () => import('./commands/inspect.ts'),
  check: () => import('./commands/check.ts'),
  verify: () => import('./commands/verify.ts'),
  diff: () => import('./commands/diff.ts'),
  report: () => import('./commands/report.ts'),
  oscal: () => import('./commands/oscal.ts'),
  site: () => import('./commands/site.ts'),
  bench: () => import('./commands/bench.ts'),
  history: () => import('./commands/history.ts'),
  period: () => import('./commands/period.ts'),
  watch: () => import('./commands/watch.ts'),
};

export async function main(name: string, argv: string[]): Promise<number> {
  const load = loaders[name];
  if (!load) {
    process.stderr.write(`trust: command "${name}" is listed but not implemented\n`);
    return 2;
  }
  try {
    const mod = await load();
    return await mod.run(argv);
  } catch (e) {
    if (e instanceof InputError || e instanceof EnvironmentError) {
      process.stderr.write(`trust ${name}: ${e.message}\n`);
      for (const d of (e as InputError).details ?? []) process.stderr.write(`  ${d}\n`);
      return 2;
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
