/**
 * `trust audit witness`: append the audit chain's head, read through the reader role, to
 * the transparency log when enough events or time have passed since the last witnessed
 * head. Refuses (exit 1) when the chain no longer holds the last witnessed head.
 */
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';
import { REPO_ROOT } from '../../pipeline.ts';

const spec = {
  name: 'audit witness',
  usage: 'audit witness [--every-events N] [--every-seconds T] [--force] [--json]',
  description: [
    "Appends the audit chain's head (database identity, seq, hash) to the transparency log outside the database",
    '(TRUST_LOG_DIR, default .data/tlog) when at least N events follow the last witnessed head, or its oldest',
    'unwitnessed event is at least T seconds old. Defaults: N = 1000 (TRUST_WITNESS_EVERY_EVENTS),',
    'T = 300 (TRUST_WITNESS_EVERY_SECONDS). Run it from cron or a timer; every `trust check` witnesses too.',
    '',
    'Before appending it checks that the event at the last witnessed seq still has the witnessed hash and that',
    'the chain links from there to the head: a rewrite exits 1 and nothing is appended.',
    'Exit codes: 0 witnessed or not yet due; 1 the chain disagrees with the log; 2 bad input or environment',
    '(unreachable database, log locked by another appender, log not signed by the configured key).',
  ].join('\n'),
  options: {
    'every-events': { type: 'string' as const, description: 'witness when at least this many events are unwitnessed' },
    'every-seconds': { type: 'string' as const, description: 'witness when the oldest unwitnessed event is this old' },
    force: { type: 'boolean' as const, description: 'witness whenever the head moved' },
    json: { type: 'boolean' as const, description: 'print the outcome as JSON' },
  },
  examples: ['npx trust audit witness', 'npx trust audit witness --every-events 100 --every-seconds 60', 'TRUST_LOG_DIR=/srv/tlog npx trust audit witness --force --json'],
};

function count(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new InputError(`--${name} ${JSON.stringify(raw)}: expected a whole number`);
  return Number(raw);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const v = args.values as { 'every-events'?: string; 'every-seconds'?: string; force?: boolean; json?: boolean };
  const { witnessPolicy, logDir, logSigner } = await import('../../tlog/config.ts');
  const policy = witnessPolicy();
  const everyEvents = v.force ? 1 : count('every-events', v['every-events'], policy.everyEvents);
  const everySeconds = v.force ? 0 : count('every-seconds', v['every-seconds'], policy.everySeconds);
  const signer = logSigner(REPO_ROOT);
  const verifiers = [{ name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey }];
  const dir = logDir(REPO_ROOT);
  const { openGateDatabase } = await import('../../../platform/db/index.ts');
  const w = await import('../../tlog/witness.ts');
  const { withLogLock, appendLocked } = await import('../../tlog/log.ts');
  const { verifyRange } = await import('../../../platform/audit/verify-ranges.ts');
  const db = await openGateDatabase();
  const client = await db.pool('reader').connect();
  const say = (o: Record<string, unknown>, text: string) => console.log(v.json ? JSON.stringify(o) : text);
  try {
    // Held across read and append, so two witnesses cannot both append the same head.
    return await withLogLock(dir, async () => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const sql = (async (text: string, params?: unknown[]) => (await client.query(text, params)).rows) as import('../../tlog/witness.ts').Sql;
        const now = new Date();
        const s = await w.readWitnessState(sql, dir, verifiers, now);
        const rewrite = w.rewriteDetected(s);
        if (rewrite) {
          say({ witnessed: false, rewrite }, `REWRITE: ${rewrite}; nothing witnessed`);
          return 1;
        }
        if (s.witnessed && s.head) {
          const r = await verifyRange(client, s.witnessed.seq + 1, null, Buffer.from(s.witnessed.hash, 'hex'));
          if (r.firstBroken) {
            say({ witnessed: false, broken: r.firstBroken }, `audit chain BROKEN at event ${r.firstBroken.seq} after the witnessed head: ${r.firstBroken.reason}; nothing witnessed`);
            return 1;
          }
        }
        const base = { database: s.database, headSeq: s.head?.seq ?? 0, lastWitnessedSeq: s.witnessed?.seq ?? null, unwitnessedEvents: s.unwitnessedEvents, unwitnessedSeconds: s.unwitnessedSeconds };
        if (!s.head || (s.witnessed && !s.witnessed.database && s.head.seq <= s.witnessed.seq)) {
          say({ witnessed: false, ...base }, s.head ? `head seq ${s.head.seq} is already witnessed` : 'the audit chain is empty: nothing to witness');
          return 0;
        }
        const due = !s.witnessed || s.witnessed.database !== undefined || s.unwitnessedEvents >= everyEvents || s.unwitnessedSeconds >= everySeconds;
        if (!due) {
          say(
            { witnessed: false, ...base },
            `not due: ${s.unwitnessedEvents} event(s), oldest ${s.unwitnessedSeconds} s after the witnessed head (witness at ${everyEvents} events or ${everySeconds} s)`,
          );
          return 0;
        }
        const r = appendLocked(dir, [w.auditHeadLeaf(s.database, s.head, now, s.chain)], signer);
        say({ witnessed: true, entry: r.firstIndex, logSize: r.size, ...base }, `witnessed head seq ${s.head.seq} (hash ${s.head.hash}) as entry ${r.firstIndex} of ${dir} (size ${r.size})`);
        return 0;
      } finally {
        await client.query('ROLLBACK');
      }
    });
  } finally {
    client.release();
    await db.close();
  }
}
