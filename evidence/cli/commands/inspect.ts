/**
 * `trust inspect`: the schema collector and generic lints against ANY PostgreSQL
 * database, read-only. It needs no catalog and creates no roles.
 */
import pg from 'pg';
import { parseCommand } from '../args.ts';
import { InputError } from '../../../platform/errors.ts';
import { safeUrl } from '../../../platform/db/index.ts';
import { introspectSchema } from '../../../collectors/schema.ts';
import { countingSql } from '../../../collectors/run.ts';
import { LINTS, runLints } from '../../../collectors/lints/registry.ts';
import type { LintFinding } from '../../../collectors/lints/types.ts';

const spec = {
  name: 'inspect',
  usage: 'inspect --database-url URL [--json] [--fail-on-findings]',
  description: [
    'Introspect any PostgreSQL database in a read-only transaction and report generic security lints:',
    ...LINTS.map((l) => `  ${l.id}: ${l.description}`),
    'Exit 0 when the inspection ran (1 with --fail-on-findings and at least one finding), 2 when the database cannot be reached.',
  ].join('\n'),
  options: {
    'database-url': { type: 'string', description: 'Connection string (default: DATABASE_URL)' },
    json: { type: 'boolean', description: 'Print {"findings": [{lint, resource, reason}]} as JSON' },
    'fail-on-findings': { type: 'boolean', description: 'Exit 1 when any lint reports a finding' },
  },
  examples: [
    'npx trust inspect --database-url postgres://app:pw@127.0.0.1:5432/app',
    'npx trust inspect --database-url "$DATABASE_URL" --json | jq ".findings[] | .resource"',
  ],
} as const;

/** Runs the inspection; exported for tests. */
export async function inspectDatabase(url: string): Promise<{ findings: LintFinding[]; queries: number; tables: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counter = { queries: 0 };
    const facts = await introspectSchema(countingSql(client, counter));
    await client.query('COMMIT');
    return { findings: runLints(facts), queries: counter.queries, tables: facts.tables.length };
  } finally {
    await client.end().catch(() => {});
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(spec as never, argv) as { values: Record<string, string | boolean | undefined> } | null;
  if (!parsed) return 0;
  const url = (parsed.values['database-url'] as string | undefined) ?? process.env.DATABASE_URL;
  if (!url) throw new InputError('--database-url is required (or set DATABASE_URL)');
  try {
    new URL(url);
  } catch {
    throw new InputError(`--database-url is not a URL: ${safeUrl(url)}`);
  }
  const { findings, tables } = await inspectDatabase(url);
  if (parsed.values.json) {
    process.stdout.write(JSON.stringify({ findings }, null, 2) + '\n');
  } else {
    process.stdout.write(`${safeUrl(url)}: ${tables} table(s) and view(s), ${findings.length} finding(s)\n`);
    for (const f of findings) process.stdout.write(`${f.lint.padEnd(30)} ${f.resource}\n  ${f.reason}\n`);
  }
  return parsed.values['fail-on-findings'] && findings.length ? 1 : 0;
}
