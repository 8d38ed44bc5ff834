// The one list of `trust` commands, in plain JavaScript so `trust --help` needs nothing else
// loaded. main.ts dispatches to evidence/cli/commands/<name>.ts for each name listed here
// (test/evidence/cli-registry.test.ts keeps the list and the files equal); each module
// prints its own detailed --help.
export const COMMANDS = [
  { name: 'start', summary: 'Run the whole job: database, demo, collect, evaluate, sign, reports, site' },
  { name: 'migrate', summary: 'Apply database migrations (idempotent)' },
  { name: 'demo', summary: 'Fill the platform with a realistic demo workload through its own services' },
  { name: 'audit', summary: 'Verify the audit hash chain (full or incremental) and write signed checkpoints' },
  { name: 'log', summary: 'Verify the transparency log outside the database; print inclusion and consistency proofs' },
  { name: 'keys', summary: 'Manage encryption keys: rotate re-encrypts every ciphertext under the active key' },
  { name: 'backup', summary: 'Take an encrypted database backup; restore-test restores the latest into a scratch database' },
  { name: 'catalog', summary: 'Validate the controls catalog and print its size by status and framework' },
  { name: 'inspect', summary: 'Lint any PostgreSQL database for security smells (RLS, plaintext secrets, ...)' },
  { name: 'check', summary: 'The CI gate: collect, evaluate, sign; exit 0 holds, 1 regression, 2 bad input' },
  { name: 'verify', summary: 'Verify a signed evidence bundle offline' },
  { name: 'diff', summary: 'Show what changed between two controls mapping versions' },
  { name: 'report', summary: 'Render report.md and report.pdf from an existing bundle' },
  { name: 'oscal', summary: 'Write OSCAL assessment-results, component-definition and mappings' },
  { name: 'site', summary: 'Build the security site from the latest bundle into dist/' },
  { name: 'history', summary: "Each control's timeline from the transparency log: first live, last failure, streak, uptime, changes" },
  { name: 'period', summary: 'An audit period from the log: period.json, period.pdf, OSCAL results, exceptions, reproducible sample' },
  { name: 'watch', summary: 'Run the gate on a schedule (--every 1h), never overlapping; clean stop on SIGINT/SIGTERM' },
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
