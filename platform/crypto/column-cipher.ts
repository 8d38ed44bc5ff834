/**
 * The only way to write or read an encrypted column: the (table, column) pair must be
 * listed in platform/config/encryption.yaml, and the associated data binds the row id and
 * exactly the owner columns listed there (a caller cannot leave one out).
 */
import type { CipherContext, Keyring } from './keyring.ts';
import { loadEncryptionConfig, type EncryptedColumn } from './encrypted-columns.ts';
import { quoteIdent } from '../db/quote-ident.ts';

let listed: Map<string, EncryptedColumn> | undefined;

function configured(table: string, column: string): EncryptedColumn {
  listed ??= new Map(loadEncryptionConfig().columns.map((c) => [`${c.table}.${c.column}`, c]));
  const c = listed.get(`${table}.${column}`);
  if (!c) throw new Error(`${table}.${column} is not listed in platform/config/encryption.yaml`);
  return c;
}

function checked(ctx: CipherContext): CipherContext {
  const c = configured(ctx.table, ctx.column);
  const given = Object.keys(ctx.owner ?? {});
  if (given.length !== c.owner_columns.length || !c.owner_columns.every((o) => typeof ctx.owner![o] === 'string')) {
    throw new Error(`${ctx.table}.${ctx.column}: the associated data must bind owner columns ${c.owner_columns.join(', ')}, got ${given.join(', ') || 'none'}`);
  }
  return ctx;
}

export function sealColumn(keyring: Keyring, ctx: CipherContext, plaintext: string): string {
  return keyring.encrypt(plaintext, checked(ctx));
}

export function openColumn(keyring: Keyring, ctx: CipherContext, ciphertext: string): string {
  return keyring.decrypt(ciphertext, checked(ctx));
}

/**
 * The select list that reads a stored row's binding: `rid` (the row id) and `o0`, `o1`...
 * (the owner columns, in config order), all as text. With storedContext, how rotation,
 * the encryption collector and tests open a value as stored, whatever the column.
 */
export function bindingSelect(col: EncryptedColumn, alias?: string): string {
  const p = alias ? `${alias}.` : '';
  return [`${p}${quoteIdent(col.row_id_column)}::text AS rid`, ...col.owner_columns.map((o, i) => `${p}${quoteIdent(o)}::text AS o${i}`)].join(', ');
}

/** The context a row read with bindingSelect says its value belongs to. */
export function storedContext(col: EncryptedColumn, row: Record<string, unknown>): CipherContext {
  return {
    table: col.table,
    column: col.column,
    rowId: String(row.rid),
    owner: Object.fromEntries(col.owner_columns.map((o, i) => [o, String(row[`o${i}`])])),
  };
}
