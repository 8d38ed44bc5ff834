/**
 * The encrypted backup file (backup.ts writes it): its format, where backups live, and
 * reading one back (decryption and authentication).
 *
 * File format (`<database>-<time>.tbk`):
 *   line 1  `TRUST-BACKUP/1`
 *   line 2  JSON header: algorithm, database, created_at, key_version, nonce, compression
 *   then    AES-256-GCM ciphertext of the gzip of the dump, then the 16-byte tag.
 * The associated data is lines 1 and 2 as written, so the database name and the time are
 * authenticated with the content: a backup renamed to another database or time, or changed
 * by one byte anywhere, does not decrypt. The key is derived from the keyring's active
 * version for this purpose only (HKDF, platform/crypto/keyring.ts: Keyring.purposeKey).
 *
 * Nothing here logs a key, a nonce's key or row content.
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { createDecipheriv, createHash } from 'node:crypto';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { dataRoot } from '../db/embedded.ts';
import { defaultKeyring, type Keyring } from '../crypto/keyring.ts';

export const MAGIC = 'TRUST-BACKUP/1';
export const BACKUP_EXT = '.tbk';
/** The keyring purpose the backup key is derived for (Keyring.purposeKey). */
export const PURPOSE = 'trust-backup/1';
/** The AES-GCM tag's length: the file's last bytes. */
export const TAG_BYTES = 16;
/** Backups kept in the directory; older ones are removed after a successful backup. */
export const KEEP_BACKUPS = 7;

export interface BackupHeader {
  format: typeof MAGIC;
  algorithm: 'aes-256-gcm';
  database: string;
  created_at: string;
  key_version: number;
  nonce: string;
  compression: 'gzip';
  content: 'copy-text/1';
}

/** Where backups of `database` go: TRUST_BACKUP_DIR, else `<data root>/backups/<database>`. */
export function backupDir(database: string): string {
  return process.env.TRUST_BACKUP_DIR ?? path.join(dataRoot(), 'backups', database);
}

/** Reads the two header lines of a backup file; null when it is not one (plain dump, other file). */
export function readHeader(file: string): { header: BackupHeader; aad: Buffer; bodyStart: number; size: number } | null {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, buf, 0, buf.length, 0);
    const nl1 = buf.indexOf(0x0a);
    if (nl1 < 0 || buf.subarray(0, nl1).toString('utf8') !== MAGIC) return null;
    const nl2 = buf.indexOf(0x0a, nl1 + 1);
    if (nl2 < 0) return null;
    let header: BackupHeader;
    try {
      header = JSON.parse(buf.subarray(nl1 + 1, nl2).toString('utf8')) as BackupHeader;
    } catch {
      return null;
    }
    return { header, aad: buf.subarray(0, nl2 + 1), bodyStart: nl2 + 1, size };
  } finally {
    closeSync(fd);
  }
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  // 1 MiB reads: a backup is tens of MB, and 64 KiB chunks cost a third more time in stream overhead.
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Removes all but the newest `keep` backups of the directory (never another kind of file). */
export function pruneBackups(dir: string, keep = KEEP_BACKUPS): string[] {
  if (!existsSync(dir)) return [];
  const mine = readdirSync(dir)
    .filter((f) => f.endsWith(BACKUP_EXT))
    .sort();
  const old = mine.slice(0, Math.max(0, mine.length - keep));
  for (const f of old) rmSync(path.join(dir, f), { force: true });
  return old;
}

/** The newest backup file of the directory (names sort by time), or null. */
export function latestBackup(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const mine = readdirSync(dir)
    .filter((f) => f.endsWith(BACKUP_EXT))
    .sort();
  return mine.length ? path.join(dir, mine[mine.length - 1]) : null;
}

/** One byte flipped at `offset` of the stream (a tamper test that never touches the file). */
function flipAt(offset: number): Transform {
  let pos = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (offset >= pos && offset < pos + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[offset - pos] ^= 0x01;
      }
      pos += chunk.length;
      cb(null, chunk);
    },
  });
}

export class BackupError extends Error {}

/**
 * The plaintext dump of a backup file as a stream. Its authentication tag is checked at the
 * end (decipher.final): the consumer must treat the data as unauthenticated until the stream
 * ends without error, and undo what it did otherwise (restore runs in one transaction).
 */
export function openBackup(file: string, opts: { keyring?: Keyring; tamperAt?: number } = {}): { header: BackupHeader; plaintext: Readable; done: Promise<void> } {
  const keyring = opts.keyring ?? defaultKeyring();
  const h = readHeader(file);
  if (!h) throw new BackupError(`${file}: not an encrypted backup (no ${MAGIC} header)`);
  if (h.header.algorithm !== 'aes-256-gcm') throw new BackupError(`${file}: unknown algorithm ${h.header.algorithm}`);
  if (h.size < h.bodyStart + TAG_BYTES) throw new BackupError(`${file}: truncated`);
  const tag = Buffer.alloc(TAG_BYTES);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, tag, 0, TAG_BYTES, h.size - TAG_BYTES);
  } finally {
    closeSync(fd);
  }
  const { key } = keyring.purposeKey(PURPOSE, h.header.key_version);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(h.header.nonce, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(h.aad);
  decipher.setAuthTag(tag);
  const gunzip = createGunzip();
  const source = createReadStream(file, { start: h.bodyStart, end: h.size - TAG_BYTES - 1 });
  const stages: NodeJS.ReadWriteStream[] = opts.tamperAt === undefined ? [] : [flipAt(opts.tamperAt)];
  const done = (pipeline as (...s: unknown[]) => Promise<void>)(source, ...stages, decipher, gunzip).catch((e: Error) => {
    throw new BackupError(`${path.basename(file)} does not decrypt: ${/auth|unable to authenticate/i.test(e.message) ? 'authentication failed (altered, or not this database and time)' : e.message}`);
  });
  done.catch(() => {}); // the caller awaits it when it needs the verdict; never an unhandled rejection
  // The reader sees the error too (a pipeline failure destroys gunzip with it).
  return { header: h.header, plaintext: gunzip, done };
}

/** Whether the whole file decrypts and authenticates (the plaintext is read and dropped). */
export async function decrypts(file: string, opts: { keyring?: Keyring; tamperAt?: number } = {}): Promise<boolean> {
  try {
    const { plaintext, done } = openBackup(file, opts);
    plaintext.resume();
    await done;
    return true;
  } catch {
    return false;
  }
}
