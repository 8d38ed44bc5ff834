/** Tables holding account data, read from the catalog (never a hand-kept list). */
import type pg from 'pg';

export async function accountTables(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const r = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public' AND NOT c.relispartition
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped)
     ORDER BY c.relname`,
  );
  return r.rows.map((x) => x.relname);
}
