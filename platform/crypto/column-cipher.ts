/**
 * The only way to write or read an encrypted column: the (table, column) pair must be
 * listed in platform/config/encryption.yaml, and the row id becomes associated data.
 */
import type { Keyring } from './keyring.ts';
import { loadEncryptionConfig } from './encrypted-columns.ts';

let listed: Set<string> | undefined;

function assertListed(table: string, column: string): void {
  listed ??= new Set(loadEncryptionConfig().columns.map((c) => `${c.table}.${c.column}`));
  if (!listed.has(`${table}.${column}`)) throw new Error(`${table}.${column} is not listed in platform/config/encryption.yaml`);
}

export function sealColumn(keyring: Keyring, table: string, column: string, rowId: string, plaintext: string): string {
  assertListed(table, column);
  return keyring.encrypt(plaintext, { table, column, rowId });
}

export function openColumn(keyring: Keyring, table: string, column: string, rowId: string, ciphertext: string): string {
  assertListed(table, column);
  return keyring.decrypt(ciphertext, { table, column, rowId });
}
