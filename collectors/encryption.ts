/**
 * The encryption collector: the keyring's non-secret description and, for every column
 * listed in platform/config/encryption.yaml, the SHAPE of what is stored: how many
 * values, how many per format and key version, how many do not look like ciphertext,
 * and their lengths. It never reads a key and never copies a value into a fact.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';

export const EncryptionFactsSchema = z.object({
  config: z.object({
    file: z.string(),
    algorithm: z.string(),
    nonceBits: z.number().int(),
    ciphertextFormat: z.string(),
    ciphertextPattern: z.string(),
    associatedData: z.string(),
  }),
  /** Null when no keyring is configured (no TRUST_KEYRING, TRUST_KEYRING_FILE or development keyring). */
  keyring: z.object({
    source: z.string(),
    algorithm: z.string(),
    nonceBits: z.number().int(),
    activeVersion: z.number().int(),
    versions: z.array(z.object({ version: z.number().int(), ageDays: z.number().int().nullable(), active: z.boolean() })),
  }).nullable(),
  columns: z.array(z.object({
    table: z.string(),
    column: z.string(),
    rows: z.number().int(),
    /** Non-NULL values. */
    values: z.number().int(),
    /** Values that do not match the ciphertext pattern (plaintext, truncated, foreign format). */
    malformed: z.number().int(),
    lengths: z.object({ min: z.number().int().nullable(), max: z.number().int().nullable(), avg: z.number().nullable() }),
    /** Well-formed values per format and key version. */
    versions: z.array(z.object({ format: z.string(), keyVersion: z.number().int(), count: z.number().int() })),
  })),
});
export type EncryptionFacts = z.output<typeof EncryptionFactsSchema>;

const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';

export default defineCollector({
  id: 'encryption',
  version: '1.0.0',
  description: 'Keyring description (algorithm, key versions, rotation age; never key material) and ciphertext shape per encrypted column and key version.',
  needsDatabase: true,
  facts: EncryptionFactsSchema,
  async collect(ctx) {
    const { loadEncryptionConfig } = await import('../platform/crypto/encrypted-columns.ts');
    const file = path.join(ctx.root, 'platform', 'config', 'encryption.yaml');
    const config = loadEncryptionConfig(file);
    const keyring = await describeConfiguredKeyring(ctx.now);
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const pattern = lit(config.ciphertext_pattern);
    // One pass per column, the pattern matched once per value: PostgreSQL's regex engine
    // spends about 10 µs on a bounded repetition such as {38,}, the scan itself 0.2 µs.
    // Grouping sets give the column totals (g = 3: both columns grouped away) and the
    // per-version counts (g = 0).
    const rowsOf = config.columns.map((c, i) => `
      SELECT ${i} AS i, ${ident(c.column)} AS v, ${ident(c.column)} ~ ${pattern} AS ok FROM ${ident(c.table)}`).join(' UNION ALL ');
    // MATERIALIZED: otherwise the planner inlines `ok` into each use and matches again.
    const groups = await ctx.sql<Record<string, string | null>>(`
      WITH r AS MATERIALIZED (${rowsOf})
      SELECT i, GROUPING(format, key_version) AS g, format, key_version,
             count(*) AS rows, count(v) AS values, count(*) FILTER (WHERE NOT ok) AS malformed,
             min(length(v)) AS min, max(length(v)) AS max, round(avg(length(v)), 1) AS avg
        FROM (SELECT i, v, ok, CASE WHEN ok THEN split_part(v, ':', 1) END AS format,
                     CASE WHEN ok THEN split_part(v, ':', 2) END AS key_version
                FROM r) x
       GROUP BY GROUPING SETS ((i), (i, format, key_version))
       ORDER BY i, g DESC, format, key_version`);
    const stats = groups.filter((r) => Number(r.g) !== 0);
    const versions = groups.filter((r) => Number(r.g) === 0 && r.format !== null);
    return {
      config: {
        file: path.relative(ctx.root, file),
        algorithm: config.algorithm,
        nonceBits: config.nonce_bits,
        ciphertextFormat: config.ciphertext_format,
        ciphertextPattern: config.ciphertext_pattern,
        associatedData: config.associated_data,
      },
      keyring,
      columns: config.columns.map((c, i) => {
        // An empty table has no group at all.
        const s = stats.find((r) => Number(r.i) === i) ?? { rows: '0', values: '0', malformed: '0', min: null, max: null, avg: null };
        return {
          table: `public.${c.table}`,
          column: c.column,
          rows: Number(s.rows),
          values: Number(s.values),
          malformed: Number(s.malformed),
          lengths: { min: s.min === null ? null : Number(s.min), max: s.max === null ? null : Number(s.max), avg: s.avg === null ? null : Number(s.avg) },
          versions: versions.filter((v) => Number(v.i) === i).map((v) => ({ format: v.format!, keyVersion: Number(v.key_version), count: Number(v.rows) })),
        };
      }).sort(byKey((c) => `${c.table}.${c.column}`)),
    };
  },
});

/** The configured keyring's description, or null when none is configured (never creates one). */
async function describeConfiguredKeyring(now: Date): Promise<EncryptionFacts['keyring']> {
  const k = await import('../platform/crypto/keyring.ts');
  const configured = process.env.TRUST_KEYRING || process.env.TRUST_KEYRING_FILE || existsSync(k.developmentKeyringPath());
  if (!configured) return null;
  const d = k.loadKeyring({ warn: () => {} }).describe(now);
  return {
    source: d.source,
    algorithm: d.algorithm,
    nonceBits: d.nonce_bits,
    activeVersion: d.active_version,
    versions: d.versions.map((v) => ({ version: v.version, ageDays: v.age_days, active: v.active })),
  };
}
