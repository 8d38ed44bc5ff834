/** platform/config/retention.yaml, validated. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadLocatedYaml } from '../kernel/located-yaml.ts';

export const RETENTION_CONFIG = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'config', 'retention.yaml');
const Ident = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier');

export const RetentionConfigSchema = z.object({
  account_deletion: z.object({
    /** @example 30 */
    purge_within_days: z.number().int().positive().max(30),
    kept_after_purge: z.array(z.object({ table: Ident, reason: z.string().min(3) })),
    anonymise_account_name: z.boolean(),
  }),
  rules: z.array(
    z.object({
      table: Ident,
      timestamp_column: Ident,
      /** @example 90 */
      keep_days: z.number().int().positive(),
      reason: z.string().min(3),
    }),
  ),
});
export type RetentionConfig = z.output<typeof RetentionConfigSchema>;

export function loadRetentionConfig(file = RETENTION_CONFIG): RetentionConfig {
  // Every problem at once, each at file:line:col (InputError, exit 2).
  return loadLocatedYaml(file, RetentionConfigSchema);
}
