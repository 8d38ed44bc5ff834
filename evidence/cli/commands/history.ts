/**
 * `trust history [CONTROL] [--json]`: each control's timeline from the transparency log
 * (verified whole first), never from the database: first live, last failure, current
 * streak, uptime over 30/90/365 days, and every status change with the bundle showing it.
 */
import path from 'node:path';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../repo-root.ts';
import { resolveInSet } from '../../output/atomic-set.ts';

const spec = {
  name: 'history',
  usage: 'history [CONTROL] [--json] [--as-of INSTANT] [--dir DIR] [--vkey KEY]',
  description: [
    'The evidence history of every control (or of CONTROL), read from the transparency log: every gate run',
    'appends its bundle leaf and its per-control verdicts there. The log is verified whole against its',
    'checkpoint signed by the pinned key (--vkey, TRUST_LOG_VKEY, else the configured signing key) first.',
    '',
    'Per control: first live, last failure, current streak, uptime over 30, 90 and 365 days (the share of',
    'the window after its first run during which it was live with evidence younger than its maxEvidenceAge),',
    'and every status change (live, failing, stale, designed, roadmap) with the bundle digest and log entry',
    'that shows it. A control turns stale when no run follows a passing one within its maximum age.',
    'Runs backdated by `trust demo --history` are marked simulated.',
    '',
    'Ages are measured from --as-of (default: now). Exit 0; 2 when the log does not verify or CONTROL is unknown.',
  ].join('\n'),
  options: {
    json: { type: 'boolean' as const, description: 'Print the history as JSON (format trust-history/1)' },
    'as-of': { type: 'string' as const, description: 'ISO 8601 instant the history is judged at (default: now)' },
    dir: { type: 'string' as const, description: 'The log directory (default TRUST_LOG_DIR, else .data/tlog)' },
    vkey: { type: 'string' as const, description: 'signed-note verifier key <name>+<id>+<key> to pin' },
  },
  examples: ['npx trust history', 'npx trust history audit_events_append_only', 'npx trust history --json > history.json', 'npx trust history --as-of 2026-03-31T23:59:59Z --dir ./mirror/tlog --json'],
  allowPositionals: true,
};

const pct = (u: number | null): string => (u === null ? '   -   ' : `${(u * 100).toFixed(2).padStart(6)}%`);

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { json?: boolean; 'as-of'?: string; dir?: string; vkey?: string };
  if (args.positionals.length > 1) throw new InputError(`expected at most one CONTROL, got ${args.positionals.length} (see trust history --help)`);
  const only = args.positionals[0];
  const { parseAsOf } = await import('../../as-of.ts');
  const asOf = v['as-of'] === undefined ? new Date(Math.floor(Date.now() / 1000) * 1000) : parseAsOf(v['as-of']);
  const { logDir, logVerifiers } = await import('../../tlog/config.ts');
  const { readHistory } = await import('../../history/read.ts');
  const { historyReport, controlIds } = await import('../../history/timeline.ts');
  const dir = path.resolve(v.dir ?? logDir(REPO_ROOT));
  // A log published in an output set (out/log) is read from one run's set (evidence/output/atomic-set.ts).
  const h = readHistory(resolveInSet(dir), logVerifiers(REPO_ROOT, v.vkey ?? process.env.TRUST_LOG_VKEY));
  if (only && !controlIds(h.runs).includes(only)) {
    const { closest } = await import('../../../platform/kernel/text/closest.mjs');
    const near = closest(only, controlIds(h.runs));
    throw new InputError(`control ${JSON.stringify(only)} appears in no run of the log${near ? `; did you mean ${near}?` : ''}`);
  }
  const report = historyReport(h, asOf, only);
  if (v.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  out.push(`history of ${report.controls.length} control(s) from ${report.runs} runs in ${dir} (size ${report.log.size}), as of ${report.asOf}`);
  if (report.simulatedNote) out.push(`SIMULATED: ${report.simulatedNote}`);
  if (!report.runs) out.push('no gate run with verdicts in the log yet: run npx trust check');
  for (const c of report.controls) {
    out.push('');
    out.push(
      `${c.id}  ${c.state.toUpperCase()}${c.currentStreak ? ` since ${c.currentStreak.since} (${c.currentStreak.runs} run(s))` : ''}  claimed ${c.claimed}, max age ${c.maxAgeSeconds / 3600} h`,
    );
    out.push(
      `  first live ${c.firstLive?.at ?? 'never'}; last failure ${c.lastFailure ? `${c.lastFailure.at} (bundle ${c.lastFailure.bundleSha256.slice(0, 12)}, entry ${c.lastFailure.leafIndex})` : 'never'}; ${c.runs} runs${c.simulatedRuns ? ` (${c.simulatedRuns} simulated)` : ''}`,
    );
    out.push(`  uptime ${c.uptime.map((u) => `${u.days}d ${pct(u.uptime)}`).join('   ')}`);
    if (only || c.changes.length <= 12) {
      for (const ch of c.changes)
        out.push(
          `  ${ch.at}  ${(ch.from ?? '-').padEnd(8)} -> ${ch.to.padEnd(8)} bundle ${ch.bundleSha256.slice(0, 12)} entry ${ch.leafIndex}${ch.derived ? ` (${ch.derived})` : ''}${ch.simulated ? ' [simulated]' : ''}`,
        );
    } else out.push(`  ${c.changes.length} status changes (trust history ${c.id} lists them)`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
