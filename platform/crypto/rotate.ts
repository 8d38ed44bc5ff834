/**
 * Key rotation: re-encrypts every ciphertext listed in platform/config/encryption.yaml
 * under the keyring's active key and the current binding (tev2: row and owner), while the
 * platform keeps serving. A tev1 value (bound to its row only) is rewritten even when it is
 * under the active key, so after a completed rotation no tev1 value remains; each is bound
 * to the owner its row names at that moment (tev1 carries nothing to check that against).
 *
 * Each batch is its own short transaction: it locks up to N rows still under an old
 * key with FOR UPDATE SKIP LOCKED (rows a client is writing are skipped and picked up
 * on a later pass), re-encrypts them in memory and writes each back only if the column
 * still holds the ciphertext it read (compare-and-swap). Progress is the data itself
 * (a row's key version is in its ciphertext), so an interrupted run simply resumes.
 * Row id columns are uuids (every table in encryption.yaml has a uuid primary key).
 */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { loadEncryptionConfig, type EncryptedColumn } from './encrypted-columns.ts';
import { CIPHERTEXT_FORMAT, LEGACY_CIPHERTEXT_FORMAT, type Keyring } from './keyring.ts';
import { bindingSelect, openColumn, sealColumn, storedContext } from './column-cipher.ts';
import { allAccountIds, recordJobRun } from '../privacy/job-runs.ts';
import { quoteIdent } from '../db/quote-ident.ts';

export interface RotationProgress {
  table: string;
  column: string;
  rotated: number;
  remaining: number;
  rowsPerSecond: number;
}

/** What a value must start with to need no rotation: the current format under the active key. */
function currentPrefix(version: number): string {
  return `${CIPHERTEXT_FORMAT}:${version}:`;
}

export interface RotationResult {
  activeVersion: number;
  rotated: number;
  seconds: number;
  rowsPerSecond: number;
  /** Of `rotated`, how many were tev1 (row-only binding) and are now bound to their owner. */
  rebound: number;
  columns: { table: string; column: string; rotated: number; rebound: number }[];
}

/** Ciphertexts not under `version` or not in the current format (tev1), per column; what a collector would count too. */
export async function countStale(pool: pg.Pool, accounts: string[], col: EncryptedColumn, version: number): Promise<number> {
  return withTransaction(pool, { accounts }, async (c) => {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(col.table)} WHERE ${quoteIdent(col.column)} IS NOT NULL AND NOT starts_with(${quoteIdent(col.column)}, $1)`, [
      currentPrefix(version),
    ]);
    return Number(r.rows[0].n);
  });
}

async function rotateBatch(
  pool: pg.Pool,
  keyring: Keyring,
  accounts: string[],
  col: EncryptedColumn,
  after: string | null,
  batch: number,
): Promise<{ seen: number; written: number; rebound: number; last: string | null }> {
  return withTransaction(pool, { accounts }, async (c) => {
    // The owner columns are read in the same locked row as the value, so the binding written is the row's own.
    const rows = await c.query<{ rid: string; ct: string }>(
      `SELECT ${bindingSelect(col)}, ${quoteIdent(col.column)} AS ct FROM ${quoteIdent(col.table)}
       WHERE ($1::uuid IS NULL OR ${quoteIdent(col.row_id_column)} > $1::uuid) AND ${quoteIdent(col.column)} IS NOT NULL
         AND NOT starts_with(${quoteIdent(col.column)}, $2)
       ORDER BY ${quoteIdent(col.row_id_column)} LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [after, currentPrefix(keyring.activeVersion), batch],
    );
    if (!rows.rowCount) return { seen: 0, written: 0, rebound: 0, last: null };
    const ids: string[] = [];
    const olds: string[] = [];
    const news: string[] = [];
    const legacy = new Set<string>();
    for (const r of rows.rows) {
      const ctx = storedContext(col, r);
      ids.push(r.rid);
      olds.push(r.ct);
      if (r.ct.startsWith(`${LEGACY_CIPHERTEXT_FORMAT}:`)) legacy.add(r.rid);
      news.push(sealColumn(keyring, ctx, openColumn(keyring, ctx, r.ct)));
    }
    const upd = await c.query<{ rid: string }>(
      `UPDATE ${quoteIdent(col.table)} t SET ${quoteIdent(col.column)} = v.new
       FROM unnest($1::text[], $2::text[], $3::text[]) AS v(rid, old, new)
       WHERE t.${quoteIdent(col.row_id_column)} = v.rid::uuid AND t.${quoteIdent(col.column)} = v.old
       RETURNING v.rid`,
      [ids, olds, news],
    );
    const rebound = upd.rows.filter((r) => legacy.has(r.rid)).length;
    return { seen: rows.rowCount ?? 0, written: upd.rowCount ?? 0, rebound, last: ids[ids.length - 1] };
  });
}

export async function rotateKeys(pool: pg.Pool, keyring: Keyring, opts: { batchSize?: number; onProgress?: (p: RotationProgress) => void; columns?: EncryptedColumn[] } = {}): Promise<RotationResult> {
  const batch = opts.batchSize ?? 1000;
  const columns = opts.columns ?? loadEncryptionConfig().columns;
  return recordJobRun(pool, 'keys.rotate', async (job) => {
    job.detail('active_version', keyring.activeVersion);
    const started = performance.now();
    let total = 0;
    let reboundTotal = 0;
    const perColumn: RotationResult['columns'] = [];
    const accounts = await allAccountIds(pool);
    for (const col of columns) {
      let rotated = 0;
      let rebound = 0;
      // Keyset passes over the id order; a pass may skip rows locked by clients, so
      // repeat until no stale ciphertext remains.
      for (let pass = 0; ; pass++) {
        let after: string | null = null;
        for (;;) {
          const r = await rotateBatch(pool, keyring, accounts, col, after, batch);
          if (!r.seen) break;
          rotated += r.written;
          total += r.written;
          rebound += r.rebound;
          reboundTotal += r.rebound;
          after = r.last;
          const secs = (performance.now() - started) / 1000;
          opts.onProgress?.({ table: col.table, column: col.column, rotated, remaining: -1, rowsPerSecond: total / Math.max(secs, 1e-6) });
        }
        const remaining = await countStale(pool, accounts, col, keyring.activeVersion);
        if (remaining === 0) break;
        if (pass > 1000) throw new Error(`${col.table}.${col.column}: ${remaining} ciphertexts stay under an old key or binding after 1000 passes`);
        await new Promise((r) => setTimeout(r, 5));
      }
      perColumn.push({ table: col.table, column: col.column, rotated, rebound });
    }
    const seconds = (performance.now() - started) / 1000;
    job.count(total);
    job.detail('rows_per_second', Math.round(total / Math.max(seconds, 1e-6)));
    job.detail('rebound_to_owner', reboundTotal);
    return { activeVersion: keyring.activeVersion, rotated: total, rebound: reboundTotal, seconds, rowsPerSecond: total / Math.max(seconds, 1e-6), columns: perColumn };
  });
}
