import { InputError } from '../../../platform/kernel/errors.ts';
import { parseCommand } from '../args.ts';

const spec = {
  name: 'backup',
  usage: 'backup [restore-test] [--dir DIR] [--json]',
  description:
    'Without a subcommand: take one backup of the platform database (every table as COPY text, in one snapshot, with row counts and ' +
    "the audit chain head), gzip it and encrypt it with AES-256-GCM under a key derived from the keyring's active version; the " +
    'file header (database name and time) is authenticated as associated data. Written atomically to DIR (default ' +
    'TRUST_BACKUP_DIR, else .data/backups/<database>/, mode 0700); the newest 7 are kept. `restore-test`: restore the newest ' +
    'backup into a scratch database, compare every row count and the audit chain head (verified from genesis), then prove the ' +
    'same file with one byte changed does not restore; the scratch database is dropped. Both are recorded in job_runs ' +
    "(backup.dump, backup.restore_test), where the gate's backups collector sees them (control database_backups_encrypted). " +
    'Exit 0 done, 1 the restore test failed, 2 bad input or environment.',
  options: {
    dir: { type: 'string', description: 'backup directory (default TRUST_BACKUP_DIR, else .data/backups/<database>/)' },
    json: { type: 'boolean', default: false, description: 'print the result as JSON' },
  },
  examples: ['npx trust backup', 'npx trust backup restore-test', 'TRUST_BACKUP_DIR=/srv/backups npx trust backup && npx trust backup restore-test --json'],
  allowPositionals: true,
} as const;

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(spec, argv);
  if (!args) return 0;
  const values = args.values as { dir?: string; json: boolean };
  const [sub, ...rest] = args.positionals;
  if (rest.length) throw new InputError(`unexpected argument "${rest[0]}" (see trust backup --help)`);
  if (sub !== undefined && sub !== 'restore-test') throw new InputError(`unknown subcommand "${sub}"; expected restore-test or none (see trust backup --help)`);
  const { openDatabase } = await import('../../../platform/db/index.ts');
  const { runBackupJob, runRestoreTestJob } = await import('../../../platform/backup/backup.ts');
  const db = await openDatabase();
  try {
    if (sub === undefined) {
      const r = await runBackupJob(db, { dir: values.dir });
      if (values.json)
        console.log(
          JSON.stringify(
            { file: r.file, sha256: r.sha256, bytes: r.bytes, tables: r.tables, rows: r.rows, head_seq: r.headSeq, key_version: r.header.key_version, created_at: r.header.created_at },
            null,
            2,
          ),
        );
      else
        console.log(
          `backup ${r.file}: ${r.tables} tables, ${r.rows} rows, audit head seq ${r.headSeq ?? 'none'}, ${r.bytes} bytes, AES-256-GCM (key version ${r.header.key_version}), sha256 ${r.sha256}`,
        );
      return 0;
    }
    try {
      const r = await runRestoreTestJob(db, { dir: values.dir });
      if (values.json)
        console.log(
          JSON.stringify(
            {
              file: r.file,
              tables: r.tables,
              rows: r.rows,
              counts_match: r.countsMatch,
              head_seq: r.headSeq,
              head_match: r.headMatch,
              chain_verified: r.chainVerified,
              tamper_refused: r.tamperRefused,
            },
            null,
            2,
          ),
        );
      else
        console.log(
          `restore test of ${r.file}: ${r.tables} tables and ${r.rows} rows restored with the backup's counts, audit chain verified to head seq ${r.headSeq ?? 'none'}; a copy with one byte changed was refused`,
        );
      return 0;
    } catch (e) {
      const { BackupError } = await import('../../../platform/backup/backup.ts');
      if (e instanceof BackupError) {
        process.stderr.write(`trust backup restore-test: ${e.message.split('\n')[0]}\n`);
        return /no backup in/.test(e.message) ? 2 : 1;
      }
      throw e;
    }
  } finally {
    await db.close();
  }
}
