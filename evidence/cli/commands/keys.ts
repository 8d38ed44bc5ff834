import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'keys',
  usage: 'keys <status|rotate|add> [--batch N]',
  description:
    'Manage the encryption keyring (platform/crypto/keyring.ts). `status` prints a non-secret description (algorithm, key versions, ' +
    'active version, key age) and how many ciphertexts each format and key version protects. `add` creates a new key version in the keyring file ' +
    'and makes it active. `rotate` re-encrypts every column listed in platform/config/encryption.yaml under the active key and the tev2 binding ' +
    '(row and owner; a tev1 value, bound to its row only, is re-bound even under the active key), in batches, ' +
    'while the platform keeps serving; interrupted, run it again and it finishes. Keys come from TRUST_KEYRING (JSON) or ' +
    'TRUST_KEYRING_FILE; without either a development keyring under .data/keys/ is used (with a warning).',
  options: {
    batch: { type: 'string', default: '1000', description: 'rotate: rows per batch transaction (1-50000)' },
    json: { type: 'boolean', default: false, description: 'status: print JSON' },
  },
  examples: ['npx trust keys status', 'npx trust keys add && npx trust keys rotate', 'npx trust keys rotate --batch 5000'],
  allowPositionals: true,
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const values = args.values as { batch: string; json: boolean };
  const [sub, ...rest] = args.positionals;
  if (rest.length) throw new InputError(`unexpected argument "${rest[0]}" (see trust keys --help)`);
  const { loadKeyring, addKeyVersion } = await import('../../../platform/crypto/keyring.ts');
  if (sub === 'add') {
    const { file, version } = addKeyVersion();
    console.log(`added key version ${version} to ${file} and made it active; run \`trust keys rotate\` to re-encrypt existing ciphertexts`);
    return 0;
  }
  if (sub !== 'status' && sub !== 'rotate') throw new InputError(`expected a subcommand status, rotate or add, got "${sub ?? ''}" (see trust keys --help)`);
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 50_000) throw new InputError(`--batch: expected an integer from 1 to 50000, got "${String(values.batch)}"`);
  const keyring = loadKeyring();
  const { openDatabase } = await import('../../../platform/db/index.ts');
  const { loadEncryptionConfig } = await import('../../../platform/crypto/encrypted-columns.ts');
  const db = await openDatabase();
  try {
    const columns = loadEncryptionConfig().columns;
    if (sub === 'status') {
      const reader = db.pool('reader');
      // by_version: "<format>:<key version>" -> count, e.g. {"tev2:2": 10, "tev1:1": 3}.
      const counts: { table: string; column: string; by_version: Record<string, number> }[] = [];
      for (const col of columns) {
        const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
        const r = await reader.query<{ v: string; n: string }>(
          `SELECT split_part(${q(col.column)}, ':', 1) || ':' || split_part(${q(col.column)}, ':', 2) AS v, count(*) AS n FROM ${q(col.table)} WHERE ${q(col.column)} IS NOT NULL GROUP BY 1 ORDER BY 1`,
        );
        counts.push({ table: col.table, column: col.column, by_version: Object.fromEntries(r.rows.map((x) => [x.v, Number(x.n)])) });
      }
      const description = keyring.describe();
      if (values.json) {
        console.log(JSON.stringify({ keyring: description, columns: counts }, null, 2));
        return 0;
      }
      console.log(`algorithm ${description.algorithm}, ${description.nonce_bits}-bit random nonces, format ${description.ciphertext_format}, source ${description.source}`);
      for (const v of description.versions) console.log(`  key version ${v.version}${v.active ? ' (active)' : ''}  created ${v.created_at ?? 'unknown'}  age ${v.age_days ?? '?'} days`);
      for (const c of counts)
        console.log(
          `  ${c.table}.${c.column}: ${
            Object.entries(c.by_version)
              .map(([v, n]) => `${v.replace(':', ' v')}=${n}`)
              .join(' ') || 'empty'
          }`,
        );
      const current = `${description.ciphertext_format}:${description.active_version}`;
      const stale = counts.reduce(
        (a, c) =>
          a +
          Object.entries(c.by_version)
            .filter(([v]) => v !== current)
            .reduce((x, [, n]) => x + n, 0),
        0,
      );
      console.log(
        stale ? `${stale} ciphertext(s) under an old key or the row-only tev1 binding: run \`trust keys rotate\`` : 'every ciphertext is under the active key and bound to its row and owner',
      );
      return 0;
    }
    const { rotateKeys } = await import('../../../platform/crypto/rotate.ts');
    let last = 0;
    const result = await rotateKeys(db.pool('app'), keyring, {
      batchSize: batch,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1000) return;
        last = now;
        console.error(`  ${p.table}.${p.column}: ${p.rotated} re-encrypted (${Math.round(p.rowsPerSecond)}/s overall)`);
      },
    });
    for (const c of result.columns)
      console.log(`${c.table}.${c.column}: ${c.rotated} re-encrypted under key version ${result.activeVersion}${c.rebound ? ` (${c.rebound} re-bound from tev1 to their owner)` : ''}`);
    console.log(`rotated ${result.rotated} ciphertext(s) in ${result.seconds.toFixed(2)} s (${Math.round(result.rowsPerSecond)}/s); none left under an old key or the tev1 binding`);
    return 0;
  } finally {
    await db.close();
  }
}
