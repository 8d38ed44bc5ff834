/**
 * `trust watch --every 1h [-- CHECK ARGS]`: continuous monitoring, the gate on a schedule.
 *
 * - No overlapping runs: one run at a time, each in its own `trust check` process; when a
 *   run takes longer than the interval, the next starts when it ends (missed ticks are not
 *   queued). A second watcher on the same log or output directory waits on their locks.
 * - Clean stop on SIGINT/SIGTERM: when idle, it exits at once; during a run, it lets the
 *   run finish (its outputs are one atomic set either way) and then exits 0. A second
 *   signal aborts the run (the gate leaves the previous output set intact) and exits 130.
 *   The run is started in its own process group, so a terminal's Ctrl-C reaches only the
 *   watcher, which decides.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';

const spec = {
  name: 'watch',
  usage: 'watch --every DURATION [--runs N] [-- CHECK OPTIONS]',
  description: [
    'Runs the gate (trust check) every DURATION (s, m, h, d: 30s, 15m, 1h), one run at a time: a run that',
    'takes longer than DURATION delays the next, runs never overlap. Options after -- go to trust check.',
    'Each run appends its bundle and verdicts to the transparency log, so `trust history` shows the result.',
    '',
    'SIGINT or SIGTERM stops cleanly: at once when idle, after the current run otherwise (a second signal',
    'aborts that run; the previous outputs stay intact). Exit 0 after a clean stop or after --runs N runs;',
    '130 when a run was aborted; 2 bad input.',
  ].join('\n'),
  options: {
    every: { type: 'string' as const, description: 'Interval between run starts: 30s, 15m, 1h, 1d' },
    runs: { type: 'string' as const, description: 'Stop after N runs (default: until signalled)' },
  },
  examples: ['npx trust watch --every 1h', 'npx trust watch --every 15m -- --out /var/lib/trust/out', 'npx trust watch --every 30s --runs 3'],
  allowPositionals: true,
};

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { every?: string; runs?: string };
  if (!v.every) throw new InputError('needs --every DURATION, such as --every 1h (see trust watch --help)');
  const { parseDuration } = await import('../../freshness.ts');
  const every = parseDuration(v.every, '--every') * 1000;
  if (v.runs !== undefined && !/^[1-9][0-9]*$/.test(v.runs)) throw new InputError(`--runs ${JSON.stringify(v.runs)}: expected a positive whole number`);
  const maxRuns = v.runs === undefined ? Infinity : Number(v.runs);
  const checkArgs = args.positionals;
  // TRUST_WATCH_BIN stands in for the CLI (a script taking `check ...`): the tests time runs and
  // signals with it, without a database behind every run.
  const bin = process.env.TRUST_WATCH_BIN ?? path.join(REPO_ROOT, 'evidence', 'cli', 'bin.mjs');
  const log = (m: string) => process.stderr.write(`trust watch: ${new Date().toISOString()} ${m}\n`);

  let stopping = false;
  let aborted = false;
  let child: ChildProcess | null = null;
  let wake: (() => void) | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      if (child) log(`${sig}: stopping after the current run (signal again to abort it)`);
      else log(`${sig}: stopping`);
      wake?.();
      return;
    }
    if (child && !aborted) {
      aborted = true;
      log(`${sig}: aborting the current run`);
      child.kill('SIGTERM');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let n = 0;
    log(`running trust check${checkArgs.length ? ` ${checkArgs.join(' ')}` : ''} every ${v.every}`);
    while (!stopping && n < maxRuns) {
      const started = Date.now();
      n++;
      log(`run ${n} started`);
      const code = await new Promise<number>((resolve) => {
        child = spawn(process.execPath, [bin, 'check', ...checkArgs], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
        child.on('error', (e) => {
          log(`run ${n} could not start: ${e.message}`);
          resolve(2);
        });
        child.on('exit', (c, s) => resolve(c ?? (s ? 128 + 15 : 2)));
      });
      child = null;
      log(`run ${n} exited ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s${code === 1 ? ' (a claim does not hold)' : code === 2 ? ' (bad input or environment)' : ''}`);
      if (aborted) return 130;
      if (stopping || n >= maxRuns) break;
      const due = started + every;
      if (Date.now() >= due) {
        log(`run ${n} took longer than --every ${v.every}: the next starts now`);
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, due - Date.now());
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
    log(stopping ? 'stopped' : `done after ${n} run(s)`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
