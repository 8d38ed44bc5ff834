import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { BackupFacts } from '../../collectors/backups.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * Database backups are taken, encrypted, and proven to restore:
 * - data: the latest backup run succeeded within `maxBackupAgeHours`; its file is present,
 *   unchanged since (SHA-256), and opens with the encrypted-backup header (AES-256-GCM,
 *   naming this run's database and time); every file of the backup directory is such a
 *   backup (a plain dump, a stray copy or a half-written file fails, by name);
 * - data: the latest restore test succeeded within `maxRestoreAgeHours`, restoring every
 *   table's row count and the audit chain head, with the restored chain verified;
 * - enforcement: that restore test also fed the same backup with one byte changed to the
 *   restore, and it was refused.
 */
export default defineCheck({
  id: 'backups_encrypted_restored',
  kind: 'data',
  description:
    'The latest database backup is recent, encrypted (header checked, not a plain dump) and unchanged; no plain dump lies in the backup directory; the latest restore test is recent, matched row counts and the audit chain head, and a one-byte-tampered copy was refused.',
  collectors: ['backups'],
  // Every file of the backup directory; every table's row count (through the restore test's comparison).
  scope: ['file', 'table'],
  params: z
    .object({
      maxBackupAgeHours: z.number().positive().default(26),
      maxRestoreAgeHours: z
        .number()
        .positive()
        .default(8 * 24),
    })
    .strict(),
  evaluate(facts, { maxBackupAgeHours, maxRestoreAgeHours }) {
    const f = factsOf<BackupFacts>(facts, 'backups');
    const out: Finding[] = [];
    const jobRow = (id: number) => ({ resource: `row:public.job_runs.id=${id}` });
    const fileOrigin = (name: string) => ({ resource: `file:${f.dir}/${name}` });
    // The backup job.
    const last = f.jobs.backupLatest;
    const ok = f.jobs.backupLatestSucceeded;
    if (!ok) out.push(fail(`No database backup of ${f.database} has ever succeeded (job backup.dump).`, { resource: 'table:public.job_runs' }));
    else {
      if (last && last.status === 'failed') out.push(fail(`The latest backup run of ${f.database} failed: ${String(last.details.error ?? 'no reason recorded')}.`, jobRow(last.id), 'status=failed'));
      if (ok.ageHours === null || ok.ageHours > maxBackupAgeHours)
        out.push(fail(`The latest successful backup of ${f.database} is ${ok.ageHours} hours old, more than ${maxBackupAgeHours}.`, jobRow(ok.id), `age_hours=${ok.ageHours}`));
      const name = String(ok.details.file ?? '');
      const file = f.files.find((x) => x.name === name);
      if (!file) out.push(fail(`The latest backup file ${name || '(unnamed)'} recorded by backup run ${ok.id} is not in ${f.dir}.`, fileOrigin(name)));
      else if (file.kind !== 'encrypted' || !file.header) out.push(fail(`The latest backup file ${name} has no encrypted-backup header (${file.kind}).`, fileOrigin(name), `kind=${file.kind}`));
      else if (file.header.algorithm !== 'aes-256-gcm') out.push(fail(`The latest backup file ${name} is encrypted with ${file.header.algorithm}, not AES-256-GCM.`, fileOrigin(name)));
      else if (f.latestFileSha256 !== ok.details.sha256)
        out.push(fail(`The latest backup file ${name} changed after backup run ${ok.id} wrote it (SHA-256 differs).`, fileOrigin(name), `sha256=${f.latestFileSha256?.slice(0, 16)}`));
      else if (file.header.database !== ok.details.database || file.header.createdAt !== ok.details.created_at)
        out.push(fail(`The latest backup file ${name} names database ${file.header.database} at ${file.header.createdAt}, not what run ${ok.id} recorded.`, fileOrigin(name)));
      else if (ok.ageHours !== null && ok.ageHours <= maxBackupAgeHours && !(last && last.status === 'failed'))
        out.push(
          pass(
            `The latest backup of ${f.database} (${name}, ${ok.ageHours} hours old) is encrypted with AES-256-GCM (key version ${file.header.keyVersion}), its header naming the database and time as associated data, and unchanged since it was written.`,
            fileOrigin(name),
            `age_hours=${ok.ageHours}`,
          ),
        );
    }
    // Every file in the directory.
    const stray = f.files.filter((x) => x.kind !== 'encrypted');
    for (const s of stray)
      out.push(
        fail(
          `${f.dir}/${s.name} is ${s.kind === 'plain-dump' ? 'an unencrypted database dump' : s.kind === 'partial' ? 'a half-written backup' : 'not an encrypted backup'} in the backup directory.`,
          fileOrigin(s.name),
          `kind=${s.kind}`,
        ),
      );
    if (f.files.length && !stray.length) out.push(pass(`All ${f.files.length} file(s) in the backup directory are encrypted backups.`, { resource: `dir:${f.dir}` }, `files=${f.files.length}`));
    // The restore test.
    const rl = f.jobs.restoreLatest;
    const rok = f.jobs.restoreLatestSucceeded;
    if (rl && rl.status === 'failed') out.push(fail(`The latest restore test of ${f.database}'s backup failed: ${String(rl.details.error ?? 'no reason recorded')}.`, jobRow(rl.id), 'status=failed'));
    if (!rok) out.push(fail(`No restore test of ${f.database}'s backups has ever succeeded (job backup.restore_test).`, { resource: 'table:public.job_runs' }));
    else {
      const d = rok.details;
      if (rok.ageHours === null || rok.ageHours > maxRestoreAgeHours)
        out.push(fail(`The latest successful restore test is ${rok.ageHours} hours old: overdue (at most ${maxRestoreAgeHours}).`, jobRow(rok.id), `age_hours=${rok.ageHours}`));
      else if (d.counts_match !== true || d.head_match !== true || d.chain_verified !== true)
        out.push(fail(`Restore test ${rok.id} did not show an identical restore (row counts ${d.counts_match}, chain head ${d.head_match}, chain verified ${d.chain_verified}).`, jobRow(rok.id)));
      else if (!(rl && rl.status === 'failed'))
        out.push(
          pass(
            `Backup ${String(d.file)} was restored into a scratch database ${rok.ageHours} hours ago: ${String(d.tables)} tables with the backup's row counts, the audit chain verified up to the same head (seq ${String(d.head_seq)}).`,
            jobRow(rok.id),
            `age_hours=${rok.ageHours}`,
          ),
        );
      if (d.tamper_refused === true)
        out.push({
          ...pass(`The same backup with one byte changed was refused by the restore (AES-256-GCM authentication) in restore test ${rok.id}.`, jobRow(rok.id), 'tamper_refused=true'),
          kind: 'enforcement',
        });
      else
        out.push({ ...fail(`Restore test ${rok.id} did not show that a backup changed by one byte is refused.`, jobRow(rok.id), `tamper_refused=${String(d.tamper_refused)}`), kind: 'enforcement' });
    }
    return out;
  },
});
