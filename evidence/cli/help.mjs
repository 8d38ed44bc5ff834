// The command list, in plain JavaScript so `trust --help` needs nothing else loaded.
// Each command's module (evidence/cli/commands/<name>.ts) prints its own detailed --help.
export const COMMANDS = [
  { name: 'start', summary: 'Run the whole job: database, demo, collect, evaluate, sign, reports, site', example: 'trust start' },
  { name: 'migrate', summary: 'Apply database migrations (idempotent)', example: 'DATABASE_URL=postgres://u:p@host/db trust migrate' },
  { name: 'demo', summary: 'Fill the platform with a realistic demo workload through its own services', example: 'trust demo --scale 10' },
];

export function usage() {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`);
  return [
    'trust: evidence that a hosting platform keeps the security promises it publishes',
    '',
    'Usage: trust <command> [options]      (trust <command> --help for details)',
    '',
    'Commands:',
    ...lines,
    '',
    'Examples:',
    '  npx trust start                 # embedded PostgreSQL, demo platform, all outputs in out/',
    '  npx trust check --json          # the CI gate: exit 0 holds, 1 regression, 2 bad input',
    '',
    'Environment: DATABASE_URL (use this server instead of the embedded one)',
    '',
  ].join('\n');
}
