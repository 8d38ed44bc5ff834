import os from 'node:os';
import { openDatabase, openGateDatabase } from '../../../platform/db/index.ts';
import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'audit',
  usage: 'audit <verify|checkpoint|witness> [--full] [--json]   (trust audit witness --help)',
  description:
    'verify: stream the audit hash chain and report the first event that breaks it (exit 1 when broken). By default it starts at ' +
    'the latest signed checkpoint (checking its Ed25519 signature and that the event still carries the signed hash); --full starts at genesis.\n' +
    'checkpoint: verify from the latest checkpoint, then sign the chain head with the checkpoint key ' +
    '(TRUST_CHECKPOINT_KEY, TRUST_CHECKPOINT_KEY_FILE, or a development key under .data/keys).',
  options: {
    full: { type: 'boolean' as const, description: 'verify from genesis instead of the latest checkpoint' },
    json: { type: 'boolean' as const, description: 'print the result as JSON' },
  },
  examples: ['npx trust audit verify', 'npx trust audit verify --full --json', 'npx trust audit checkpoint'],
  allowPositionals: true,
};

export async function run(argv: string[]): Promise<number> {
  // witness has its own options and --help (the transparency log, evidence/tlog).
  if (argv[0] === 'witness') return (await import('./audit-witness.ts')).run(argv.slice(1));
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const values = args.values as { full?: boolean; json?: boolean };
  const [sub, ...rest] = args.positionals;
  if (rest.length || (sub !== 'verify' && sub !== 'checkpoint')) {
    throw new InputError(`expected "verify" or "checkpoint", got ${sub ? `"${[sub, ...rest].join(' ')}"` : 'nothing'} (see trust audit --help)`);
  }
  // verify only reads: it opens the database as the gate does (the reader's credentials,
  // TRUST_READER_URL honoured, no role bootstrap), so it also runs against a hot standby,
  // which refuses the ALTER ROLE of a bootstrap. checkpoint signs as the owner, on the primary.
  const db = sub === 'verify' ? await openGateDatabase() : await openDatabase();
  try {
    if (sub === 'checkpoint') {
      const { createCheckpoint } = await import('../../../platform/audit/checkpoint.ts');
      let cp;
      try {
        cp = await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') });
      } catch (e) {
        // A refusal (broken chain, a checkpoint the database rejects) is one line, exit 2: never a stack trace.
        console.error(`trust audit checkpoint: ${(e as Error).message.split('\n')[0]}`);
        return 2;
      }
      if (values.json) console.log(JSON.stringify(cp));
      else if (!cp) console.log('the audit chain is empty: nothing to sign');
      else console.log(`${cp.created ? 'signed' : 'already signed'} checkpoint at seq ${cp.seq} (hash ${cp.hash}, key ${cp.keyId})`);
      return 0;
    }
    const { verifyChain } = await import('../../../platform/audit/verify.ts');
    const client = await db.pool('reader').connect();
    const started = Date.now();
    try {
      // A long run (from genesis, or far from the checkpoint) spreads over the machine's cores.
      const workers = { connectionString: db.url('reader'), count: os.availableParallelism() - 1 };
      const r = await verifyChain(client, { from: values.full ? 'genesis' : 'checkpoint', ownTransaction: true, workers });
      const seconds = (Date.now() - started) / 1000;
      if (values.json) {
        console.log(JSON.stringify({ ...r, seconds }));
      } else {
        // Checkpoints verification passed over (not signed by a trusted key): said, never silent.
        for (const x of r.ignoredCheckpoints ?? []) console.log(`WARNING: checkpoint at seq ${x.seq} ignored: ${x.reason}`);
        const from = r.checkpoint
          ? `checkpoint ${r.checkpoint.seq} (key ${r.checkpoint.keyId}, signature ${r.checkpoint.signatureValid ? 'valid' : 'INVALID'}${r.checkpoint.keyTrusted ? '' : ', key not in the trusted list'})`
          : 'genesis';
        console.log(
          r.ok
            ? `audit chain intact: ${r.eventsVerified} events verified from ${from} in ${seconds.toFixed(2)}s; head seq ${r.headSeq} hash ${r.headHash}`
            : `audit chain BROKEN at event ${r.firstBroken!.seq}: ${r.firstBroken!.reason} (verified from ${from})`,
        );
      }
      return r.ok ? 0 : 1;
    } finally {
      client.release();
    }
  } finally {
    await db.close();
  }
}
