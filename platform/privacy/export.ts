/**
 * Data export for an access request: every row of the account in every account table
 * as one JSON document. Secrets are excluded: encrypted columns (encryption.yaml) and
 * every hash column are dropped, and the document lists what it left out.
 */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { loadEncryptionConfig } from '../crypto/encrypted-columns.ts';
import { accountTables } from './account-tables.ts';
import { quoteIdent } from '../db/quote-ident.ts';

const SECRET_COLUMN = /(_hash|^hash$|password|secret|ciphertext|token)/;

export interface AccountExport {
  format: 'harbor-account-export/v1';
  account: Record<string, unknown>;
  tables: Record<string, Record<string, unknown>[]>;
  excluded_columns: string[];
}

export async function exportAccount(pool: pg.Pool, accountId: string): Promise<AccountExport> {
  const encrypted = new Set(loadEncryptionConfig().columns.map((c) => `${c.table}.${c.column}`));
  return withTransaction(pool, { accounts: [accountId], isolation: 'repeatable read' }, async (c) => {
    const account = (await c.query(`SELECT id, name, created_at FROM accounts WHERE id = $1`, [accountId])).rows[0] ?? { id: accountId };
    const tables: AccountExport['tables'] = {};
    const excluded: string[] = [];
    for (const t of await accountTables(c)) {
      const cols = await c.query<{ attname: string }>(`SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [
        `public.${quoteIdent(t)}`,
      ]);
      const keep = cols.rows
        .map((r) => r.attname)
        .filter((col) => {
          const secret = encrypted.has(`${t}.${col}`) || SECRET_COLUMN.test(col);
          if (secret) excluded.push(`${t}.${col}`);
          return !secret;
        });
      const r = await c.query(`SELECT ${keep.map(quoteIdent).join(', ')} FROM ${quoteIdent(t)} WHERE account_id = $1 ORDER BY 1`, [accountId]);
      tables[t] = r.rows.map((row) => JSON.parse(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))));
    }
    return { format: 'harbor-account-export/v1', account, tables, excluded_columns: excluded.sort() };
  });
}
