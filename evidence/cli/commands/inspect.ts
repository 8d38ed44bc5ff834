/**
 * `trust inspect`: the generic profile of the checks (controls/checks/profiles.ts) against
 * ANY PostgreSQL database, read-only. The facts come from the same collectors as the gate
 * (schema, plus secret_values, which samples the shapes of credential-like values), in
 * one READ ONLY transaction that is rolled back; it needs no catalog and creates no roles.
 */
import pg from 'pg';
import { parseCommand } from '../args.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import { safeUrl } from '../../../platform/db/index.ts';
import { introspectSchema } from '../../../collectors/schema.ts';
import { sampleSecrets } from '../../../collectors/secret-values.ts';
import { countingSql } from '../../../collectors/run.ts';
import { byKey } from '../../../collectors/sort.ts';
import { runCheck, type CheckResult, type Finding } from '../../../controls/checks/types.ts';
import { GENERIC_PROFILE, profileCollectors, type ProfileEntry } from '../../../controls/checks/profiles.ts';

const spec = {
  name: 'inspect',
  usage: 'inspect --database-url URL [--json] [--fail-on-findings]',
  description: [
    'Read any PostgreSQL database in a read-only transaction and run the generic profile of checks (default parameters):',
    ...GENERIC_PROFILE.map((e) => `  ${e.check.id}: ${e.check.description}`),
    'Secret columns are told apart (hash or plaintext) by the shapes of at most 20 values per column, computed in the database; no value is read out or printed.',
    'Exit 0 when the inspection ran (1 with --fail-on-findings and at least one failing finding), 2 on bad input or an unreachable database.',
  ].join('\n'),
  options: {
    'database-url': { type: 'string', description: 'Connection string (default: DATABASE_URL)' },
    json: { type: 'boolean', description: 'Print {"checks": [{check, status}], "findings": [{check, status, kind, reason, origin, observed}]} as JSON, passing findings included' },
    'fail-on-findings': { type: 'boolean', description: 'Exit 1 when any check fails' },
  },
  examples: [
    'npx trust inspect --database-url postgres://app:pw@127.0.0.1:5432/app',
    'npx trust inspect --database-url "$DATABASE_URL" --json | jq \'.findings[] | select(.status == "fail") | .origin.resource\'',
  ],
} as const;

export type InspectFinding = Finding & { check: string };

export interface Inspection {
  /** One result per check of the profile, in profile order. */
  results: CheckResult[];
  /** Every finding (passing ones too), tagged with its check, sorted by check then resource. */
  findings: InspectFinding[];
  queries: number;
  tables: number;
}

/** Runs the inspection; exported for tests. */
export async function inspectDatabase(url: string, profile: ProfileEntry[] = GENERIC_PROFILE): Promise<Inspection> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const counter = { queries: 0 };
  const facts: Record<string, unknown> = {};
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const sql = countingSql(client, counter);
    const needed = profileCollectors(profile);
    // Sequential on one connection (a pg client runs one query at a time anyway).
    if (needed.includes('schema')) facts.schema = await introspectSchema(sql);
    if (needed.includes('secret_values')) facts.secret_values = await sampleSecrets(sql);
    // Nothing to keep: rolling back guarantees the inspection left no trace.
    await client.query('ROLLBACK');
  } finally {
    await client.end().catch(() => {});
  }
  const results = profile.map((e) => runCheck(e.check, facts, e.params));
  const findings = results.flatMap((r) => r.findings.map((f) => ({ check: r.check, ...f }))).sort(byKey((f) => `${f.check}\u0000${f.origin.resource}`));
  const schema = facts.schema as { tables: unknown[] } | undefined;
  return { results, findings, queries: counter.queries, tables: schema?.tables.length ?? 0 };
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
  const { results, findings, tables } = await inspectDatabase(url);
  const failing = findings.filter((f) => f.status !== 'pass');
  if (parsed.values.json) {
    process.stdout.write(JSON.stringify({ checks: results.map((r) => ({ check: r.check, status: r.status })), findings }, null, 2) + '\n');
  } else {
    process.stdout.write(`${safeUrl(url)}: ${tables} table(s) and view(s), ${results.length} check(s), ${failing.length} failing finding(s)\n`);
    for (const f of failing) process.stdout.write(`${f.check.padEnd(34)} ${f.kind ?? ''} ${f.origin.resource}\n  ${f.reason}${f.observed ? ` (${f.observed})` : ''}\n`);
  }
  return parsed.values['fail-on-findings'] && failing.length ? 1 : 0;
}
