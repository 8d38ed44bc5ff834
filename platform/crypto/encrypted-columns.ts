/** The list of encrypted columns, read from platform/config/encryption.yaml (one source of truth). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadLocatedYaml } from '../kernel/located-yaml.ts';

export const ENCRYPTION_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'config', 'encryption.yaml');

const IdentSchema = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier');

export const EncryptedColumnSchema = z.object({
  /** @example "oauth_connections" */
  table: IdentSchema,
  /** @example "refresh_token" */
  column: IdentSchema,
  /** Column whose value is the row id in the associated data. @example "id" */
  row_id_column: IdentSchema,
  /**
   * Columns that say whose the value is (the owning account, and for an agent's secret the
   * agent and the secret's name); their values are bound in the associated data, so a row
   * re-pointed at another owner no longer decrypts. @example ["account_id", "agent_id", "name"]
   */
  owner_columns: z.array(IdentSchema).min(1),
  nullable: z.boolean().default(false),
});
export type EncryptedColumn = z.output<typeof EncryptedColumnSchema>;

export const EncryptionConfigSchema = z.object({
  algorithm: z.literal('AES-256-GCM'),
  nonce_bits: z.literal(96),
  /** The format written: tev2. */
  ciphertext_format: z.string(),
  /** Formats still readable but never written (tev1: bound to the row only), until rotated. */
  legacy_formats: z.array(z.string()).default([]),
  ciphertext_pattern: z.string(),
  associated_data: z.string(),
  key_sources: z.array(z.string()),
  columns: z.array(EncryptedColumnSchema).min(1),
});
export type EncryptionConfig = z.output<typeof EncryptionConfigSchema>;

export function loadEncryptionConfig(file = ENCRYPTION_CONFIG): EncryptionConfig {
  // Every problem at once, each at file:line:col (InputError, exit 2).
  return loadLocatedYaml(file, EncryptionConfigSchema);
}
