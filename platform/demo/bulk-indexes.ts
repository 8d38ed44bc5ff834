/**
 * A speed trick of `trust demo --bulk` (bulk.ts): the audit events' and the daily usage's
 * indexes and primary keys are built after their COPY, in the COPY's own transaction, as
 * pg_restore builds them, instead of being maintained row by row.
 *
 * Why: at scale 100, a million events through four btree indexes cost the server 10.8 s of CPU;
 * the COPY without them 6.0 s and building them afterwards 3.4 s (sorting once beats a million
 * descents). The daily usage (half a million rows, two indexes) gains in proportion.
 *
 * What is the same: each index and key is dropped and made again, in one transaction nobody
 * else sees, by the definitions the catalog holds (pg_get_indexdef, pg_get_constraintdef), under
 * the same names; on the partitioned audit_events the partitions' indexes are made by their
 * parent's, as migration 0420 made them. Adding the primary key checks every row again
 * (unique, not null). Only tables no foreign key points at qualify (a key could not be dropped
 * under one). TRUST_BULK_DEFERRED_INDEXES=0 keeps the indexes during the COPY;
 * test/platform/bulk-indexes.test.ts proves both ways leave the same indexes and constraints.
 */
import type pg from 'pg';
import { trickEnabled } from '../kernel/switches.ts';

export const BULK_DEFERRED_INDEXES_SWITCH = 'TRUST_BULK_DEFERRED_INDEXES';
/** The tables each loaded on one COPY session (the periods share two, which a dropped index would lock out). */
export const DEFERRED_TABLES: readonly string[] = ['audit_events', 'agent_usage_daily'];

export function deferredIndexesEnabled(): boolean {
  return trickEnabled(BULK_DEFERRED_INDEXES_SWITCH);
}

/**
 * Drops the primary key, unique constraints and plain indexes of `table` (exclusion constraints
 * stay) in the caller's transaction; returns the statements that make them again, in order.
 */
export async function dropIndexesForLoad(c: pg.ClientBase, table: string): Promise<string[]> {
  const referenced = await c.query(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass`, [table]);
  if (referenced.rowCount) throw new Error(`bulk indexes: ${table} is referenced by foreign keys (${referenced.rows.map((r) => r.conname).join(', ')})`);
  const keys = await c.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u') ORDER BY contype, conname`,
    [table],
  );
  const plain = await c.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
      WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1`,
    [table],
  );
  const again: string[] = [];
  for (const k of keys.rows) {
    await c.query(`ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(k.name)}`);
    again.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(k.name)} ${k.def}`);
  }
  for (const ix of plain.rows) {
    await c.query(`DROP INDEX ${ix.name}`);
    // On a partitioned table the definition reads ON ONLY, which would leave the partitions without it.
    again.push(ix.def.replace(' ON ONLY ', ' ON '));
  }
  return again;
}

/** Makes the indexes again (dropIndexesForLoad's statements), with memory enough to sort in one pass. */
export async function rebuildIndexes(c: pg.ClientBase, statements: string[]): Promise<void> {
  if (!statements.length) return;
  await c.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  for (const s of statements) await c.query(s);
}

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';
