import { openDatabase } from '../../../platform/db/index.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'demo',
  usage: 'demo [--scale N] [--seed N] [--bulk] | demo --history 90d',
  description:
    'Migrate, then fill the platform through its services: accounts, agents in both regions with weeks of start/stop history, ' +
    'transfers, clones, destroys, plain VMs with firewalls, and signed audit checkpoints. Scale 1 is 100 agents and ~10,000 audit ' +
    'events; scale 100 is 10,000 agents and over 1,000,000 events. Runs are reproducible for a given seed and scale.',
  options: {
    scale: { type: 'string' as const, default: '1', description: 'Size multiplier (1-1000)' },
    seed: { type: 'string' as const, default: '1', description: 'PRNG seed; a new seed adds another independent data set' },
    workers: { type: 'string' as const, default: '3', description: 'Concurrent database connections (1-8)' },
    bulk: {
      type: 'boolean' as const,
      default: false,
      description:
        'Write the same data with COPY (superuser DATABASE_URL, empty platform only): scale 100 in under 2 minutes. ' +
        'The audit chain is computed in Node, verified in full, then signed; core II still runs through its services.',
    },
    history: { type: 'string' as const, description: 'Instead: append DAYS (90d) of backdated, signed runs marked SIMULATED to the transparency log (no database)' },
  },
  examples: ['npx trust demo', 'npx trust demo --scale 100', 'npx trust demo --seed 2', 'npx trust demo --scale 100 --bulk', 'npx trust demo --history 90d'],
};

function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const values = args.values as { scale: string; seed: string; workers: string; bulk: boolean; history?: string };
  if (values.history !== undefined) {
    // A history to show trust history and trust period without waiting 90 days (evidence/history/demo-history.ts).
    const { parseHistoryDays, writeDemoHistory } = await import('../../history/demo-history.ts');
    const days = parseHistoryDays(values.history);
    const { REPO_ROOT } = await import('../../pipeline.ts');
    await writeDemoHistory(REPO_ROOT, days, (l) => console.log(l));
    return 0;
  }
  const scale = intOption('scale', values.scale, 1, 1000);
  const seed = intOption('seed', values.seed, 0, 2 ** 31 - 1);
  const workers = intOption('workers', values.workers, 1, 8);
  const { runDemo } = values.bulk ? await import('../../../platform/demo/bulk.ts').then((m) => ({ runDemo: m.runBulkDemo })) : await import('../../../platform/demo/run.ts');
  const db = await openDatabase();
  const tty = process.stderr.isTTY;
  let lastPct = -1;
  try {
    const s = await runDemo(db, {
      scale,
      seed,
      workers,
      log: (l) => console.error(l),
      progress: (done, total) => {
        const pct = Math.floor((done / total) * 100);
        if (tty) process.stderr.write(`\r  accounts ${done}/${total} (${pct}%)`);
        else if (pct % 10 === 0 && pct !== lastPct) console.error(`  accounts ${done}/${total} (${pct}%)`);
        lastPct = pct;
        if (tty && done === total) process.stderr.write('\n');
      },
    });
    if (s.skipped) return 0;
    console.log(
      `demo (scale ${scale}, seed ${seed}) in ${s.seconds.toFixed(1)}s: ${s.accounts} accounts, ${s.agents} agents (${s.liveAgents} live) in regions us and eu, ` +
        `${s.lifecycleOperations} lifecycle operations, ${s.transfers} transfers, ${s.clones} clones, ${s.destroys} destroys, ${s.vms} VMs with firewalls, ` +
        `${s.auditEvents} audit events in the chain, ${s.checkpoints} signed checkpoints`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
