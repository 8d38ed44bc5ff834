/**
 * The backups collector: the database backup and restore-test jobs (job_runs rows, the
 * same table the privacy and retention collectors read) and the files of the backup
 * directory, each read as bytes: whether it opens with the encrypted-backup header
 * (platform/backup/backup.ts), looks like a plain dump, or is something else. It never
 * decrypts (the gate holds no key) and never judges. File contents are not copied: only
 * the header fields (algorithm, database, time, key version) and the SHA-256 of the latest.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';

const JobSchema = z
  .object({
    id: z.number().int(),
    status: z.string(),
    /** Hours from the run's end (or start, while running) to the run's clock. */
    ageHours: z.number().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .nullable();

export const BackupFactsSchema = z.object({
  database: z.string(),
  /** The directory read: the one the latest backup run recorded, else the default for this database. */
  dir: z.string(),
  dirExists: z.boolean(),
  jobs: z.object({
    backupLatest: JobSchema,
    backupLatestSucceeded: JobSchema,
    restoreLatest: JobSchema,
    restoreLatestSucceeded: JobSchema,
  }),
  files: z.array(
    z.object({
      name: z.string(),
      bytes: z.number().int(),
      /** encrypted: the backup header; plain-dump: pg_dump custom/plain, COPY text, or gzip; partial: an unfinished write; other. */
      kind: z.enum(['encrypted', 'plain-dump', 'partial', 'other']),
      header: z.object({ algorithm: z.string(), database: z.string(), createdAt: z.string(), keyVersion: z.number().int() }).nullable(),
    }),
  ),
  /** SHA-256 of the file the latest successful backup run names, null when absent. */
  latestFileSha256: z.string().nullable(),
});
export type BackupFacts = z.output<typeof BackupFactsSchema>;

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4096);
    const n = readSync(fd, b, 0, b.length, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export default defineCollector({
  id: 'backups',
  version: '1.0.0',
  description: 'Database backup and restore-test job runs, and every file of the backup directory by its header (encrypted backup, plain dump, other).',
  needsDatabase: true,
  // Order on the lanes (collectors/lanes.ts): measured among the longest at scale 100.
  cost: 4,
  facts: BackupFactsSchema,
  async collect(ctx) {
    const { BACKUP_JOB, RESTORE_JOB, MAGIC, backupDir, sha256File } = await import('../platform/backup/backup.ts');
    const rows = await ctx.sql<{ which: string; id: string; status: string; hours: string | null; details: Record<string, unknown>; db: string }>(
      `
      WITH j AS (
        SELECT id, job, status, details, coalesce(finished_at, started_at) AS at, started_at FROM job_runs WHERE job IN ($2, $3)
      ), pick AS (
        (SELECT 'backupLatest' AS which, * FROM j WHERE job = $2 ORDER BY started_at DESC, id DESC LIMIT 1)
        UNION ALL (SELECT 'backupLatestSucceeded', * FROM j WHERE job = $2 AND status = 'succeeded' ORDER BY started_at DESC, id DESC LIMIT 1)
        UNION ALL (SELECT 'restoreLatest', * FROM j WHERE job = $3 ORDER BY started_at DESC, id DESC LIMIT 1)
        UNION ALL (SELECT 'restoreLatestSucceeded', * FROM j WHERE job = $3 AND status = 'succeeded' ORDER BY started_at DESC, id DESC LIMIT 1)
      )
      SELECT p.which, p.id::text AS id, p.status, round((extract(epoch FROM $1::timestamptz - p.at) / 3600)::numeric, 2)::text AS hours, p.details, current_database() AS db
        FROM pick p
      UNION ALL SELECT 'database', '0', '', NULL, '{}'::jsonb, current_database()
      ORDER BY 1`,
      [ctx.now.toISOString(), BACKUP_JOB, RESTORE_JOB],
    );
    const database = rows.find((r) => r.which === 'database')!.db;
    const job = (which: string) => {
      const r = rows.find((x) => x.which === which);
      return r ? { id: Number(r.id), status: r.status, ageHours: r.hours === null ? null : Number(r.hours), details: r.details ?? {} } : null;
    };
    const jobs = { backupLatest: job('backupLatest'), backupLatestSucceeded: job('backupLatestSucceeded'), restoreLatest: job('restoreLatest'), restoreLatestSucceeded: job('restoreLatestSucceeded') };
    const recordedDir = jobs.backupLatestSucceeded?.details.dir;
    const dir = typeof recordedDir === 'string' && recordedDir ? recordedDir : backupDir(database);
    const dirExists = existsSync(dir);
    const files: BackupFacts['files'] = [];
    if (dirExists) {
      for (const name of readdirSync(dir).sort()) {
        const full = path.join(dir, name);
        const st = statSync(full);
        if (!st.isFile()) continue;
        const b = head(full);
        const text = b.toString('latin1');
        let kind: BackupFacts['files'][number]['kind'] = 'other';
        let header: BackupFacts['files'][number]['header'] = null;
        const nl1 = b.indexOf(0x0a);
        if (nl1 > 0 && b.subarray(0, nl1).toString('utf8') === MAGIC) {
          const nl2 = b.indexOf(0x0a, nl1 + 1);
          try {
            const h = JSON.parse(b.subarray(nl1 + 1, nl2).toString('utf8')) as { algorithm: string; database: string; created_at: string; key_version: number };
            header = { algorithm: String(h.algorithm), database: String(h.database), createdAt: String(h.created_at), keyVersion: Number(h.key_version) };
            kind = 'encrypted';
          } catch {
            kind = 'other';
          }
        } else if (name.endsWith('.partial')) kind = 'partial';
        else if (text.startsWith('PGDMP') || (b[0] === 0x1f && b[1] === 0x8b) || /^(--|SET |COPY |CREATE |\{"database")/.test(text) || /\nCOPY .* FROM stdin;\n/.test(text)) kind = 'plain-dump';
        files.push({ name, bytes: st.size, kind, header });
      }
    }
    const latestName = jobs.backupLatestSucceeded?.details.file;
    const latestPath = typeof latestName === 'string' ? path.join(dir, latestName) : null;
    const latestFileSha256 = latestPath && typeof latestName === 'string' && !latestName.includes('/') && existsSync(latestPath) ? await sha256File(latestPath) : null;
    return { database, dir, dirExists, jobs, files, latestFileSha256 };
  },
});
