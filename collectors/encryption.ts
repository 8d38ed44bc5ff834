/**
 * The encryption collector: the keyring's non-secret description and, for every column
 * listed in platform/config/encryption.yaml, the SHAPE of what is stored: how many
 * values, how many per format and key version, how many do not look like ciphertext,
 * how many still use the legacy row-only binding (tev1), and their lengths.
 *
 * It also proves the binding from the data: with the configured keyring it opens each
 * stored value (up to BINDING_LIMIT per column, then a sample) with the binding its own
 * row states (table, column, row id, owner columns), and re-binds a few of them in memory to
 * another row id and to another value of each owner column, which must fail. Plaintext
 * stays in a local variable of this function and is dropped at once; facts hold counts and
 * the ids of rows that did not open (row ids are not secrets), never a key or a value.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import type { EncryptedColumn } from '../platform/crypto/encrypted-columns.ts';
import { byKey } from './sort.ts';
import { quoteIdent } from '../platform/db/quote-ident.ts';

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
  keyring: z
    .object({
      source: z.string(),
      algorithm: z.string(),
      nonceBits: z.number().int(),
      activeVersion: z.number().int(),
      versions: z.array(z.object({ version: z.number().int(), ageDays: z.number().int().nullable(), active: z.boolean() })),
    })
    .nullable(),
  columns: z.array(
    z.object({
      table: z.string(),
      column: z.string(),
      /** The row id column bound in the associated data. */
      rowIdColumn: z.string(),
      /** Owner columns bound in the associated data (encryption.yaml `owner_columns`). */
      ownerColumns: z.array(z.string()),
      rows: z.number().int(),
      /** Non-NULL values. */
      values: z.number().int(),
      /** Values that do not match the ciphertext pattern (plaintext, truncated, foreign format). */
      malformed: z.number().int(),
      lengths: z.object({ min: z.number().int().nullable(), max: z.number().int().nullable(), avg: z.number().nullable() }),
      /** Well-formed values per format and key version. */
      versions: z.array(z.object({ format: z.string(), keyVersion: z.number().int(), count: z.number().int() })),
      /** Well-formed values in a legacy format (tev1: bound to the row only, not to its owner). */
      legacy: z.number().int(),
      /** What opening the stored values showed; null without a keyring. */
      binding: z
        .object({
          /** Well-formed values opened with their row's own binding: all, or a sample of `limit` chosen by the run's day. */
          checked: z.number().int(),
          opened: z.number().int(),
          limit: z.number().int(),
          /** Rows whose value did not open (altered, moved to another row or owner, unknown key); the first 20. */
          failures: z.array(z.object({ rowId: z.string(), reason: z.string() })),
          failureCount: z.number().int(),
          /** Opened values re-bound in memory to another row id and to another value of each owner column. */
          probed: z.number().int(),
          /** Of `probed`, those that every re-binding refused. */
          refusedElsewhere: z.number().int(),
        })
        .nullable(),
    }),
  ),
});
export type EncryptionFacts = z.output<typeof EncryptionFactsSchema>;

export default defineCollector({
  id: 'encryption',
  version: '1.1.0',
  description:
    "Keyring description (algorithm, key versions, rotation age; never key material), ciphertext shape per encrypted column and key version, and each value opened with its own row's binding (row and owner) and refused elsewhere; never a value.",
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
    const rowsOf = config.columns
      .map(
        (c, i) => `
      SELECT ${i} AS i, ${quoteIdent(c.column)} AS v, ${quoteIdent(c.column)} ~ ${pattern} AS ok FROM ${quoteIdent(c.table)}`,
      )
      .join(' UNION ALL ');
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
    const bindings = await proveBindings(ctx, config.columns);
    const legacyFormats = new Set(config.legacy_formats);
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
      columns: config.columns
        .map((c, i) => {
          // An empty table has no group at all.
          const s = stats.find((r) => Number(r.i) === i) ?? { rows: '0', values: '0', malformed: '0', min: null, max: null, avg: null };
          const vs = versions.filter((v) => Number(v.i) === i).map((v) => ({ format: v.format!, keyVersion: Number(v.key_version), count: Number(v.rows) }));
          return {
            table: `public.${c.table}`,
            column: c.column,
            rowIdColumn: c.row_id_column,
            ownerColumns: [...c.owner_columns],
            rows: Number(s.rows),
            values: Number(s.values),
            malformed: Number(s.malformed),
            lengths: { min: s.min === null ? null : Number(s.min), max: s.max === null ? null : Number(s.max), avg: s.avg === null ? null : Number(s.avg) },
            versions: vs,
            legacy: vs.filter((v) => legacyFormats.has(v.format)).reduce((n, v) => n + v.count, 0),
            binding: bindings?.[i] ?? null,
          };
        })
        .sort(byKey((c) => `${c.table}.${c.column}`)),
    };
  },
});

/**
 * Values opened per column to prove the binding: every value up to this many, else a sample
 * of this many spread over the table, chosen by the run's day (md5 of row id and date), so
 * the same day's runs agree and successive days look at other rows. Opening costs about
 * 20 µs a value here, so the gate at scale 100 (about 10,000 agent secrets) spends some
 * 40 ms on it instead of 200 ms for every value; delivery refuses a moved value whether or
 * not a sample saw it.
 */
export const BINDING_LIMIT = 2_000;
/** Opened values also re-bound in memory, per column. */
const PROBES = 8;
const FAILURES_KEPT = 20;

type Binding = NonNullable<EncryptionFacts['columns'][number]['binding']>;

/**
 * Opens each stored value with its own row's binding and re-binds a few elsewhere; null
 * without a configured keyring (the check then says it could not prove the binding).
 */
async function proveBindings(ctx: CollectorContext, columns: EncryptedColumn[]): Promise<Binding[] | null> {
  const k = await import('../platform/crypto/keyring.ts');
  const configured = process.env.TRUST_KEYRING || process.env.TRUST_KEYRING_FILE || existsSync(k.developmentKeyringPath());
  if (!configured) return null;
  const keyring = k.loadKeyring({ warn: () => {} });
  const { openColumn, storedContext } = await import('../platform/crypto/column-cipher.ts');
  // One query for every column: each branch BINDING_LIMIT values, every one when there are no more.
  const day = ctx.now.toISOString().slice(0, 10);
  const rows = await ctx.sql<{ i: number; rid: string; owner: string[]; ct: string }>(
    columns
      .map(
        (c, i) => `
    (SELECT ${i} AS i, ${quoteIdent(c.row_id_column)}::text AS rid, ARRAY[${c.owner_columns.map((o) => `${quoteIdent(o)}::text`).join(', ')}] AS owner, ${quoteIdent(c.column)} AS ct
       FROM ${quoteIdent(c.table)} WHERE ${quoteIdent(c.column)} IS NOT NULL ORDER BY md5(${quoteIdent(c.row_id_column)}::text || $1), ${quoteIdent(c.row_id_column)} LIMIT ${BINDING_LIMIT})`,
      )
      .join(' UNION ALL ') + ' ORDER BY i, rid',
    [day],
  );
  return columns.map((col, i) => {
    const b: Binding = { checked: 0, opened: 0, limit: BINDING_LIMIT, failures: [], failureCount: 0, probed: 0, refusedElsewhere: 0 };
    for (const r of rows) {
      if (Number(r.i) !== i || !k.CIPHERTEXT_PATTERN.test(r.ct)) continue; // malformed: counted by shape above
      b.checked++;
      const own = storedContext(col, { rid: r.rid, ...Object.fromEntries(r.owner.map((v, j) => [`o${j}`, v])) });
      try {
        openColumn(keyring, own, r.ct);
        b.opened++;
      } catch (e) {
        b.failureCount++;
        if (b.failures.length < FAILURES_KEPT) b.failures.push({ rowId: r.rid, reason: e instanceof k.DecryptionError ? e.reason : 'error' });
        continue;
      }
      if (b.probed >= PROBES) continue;
      b.probed++;
      // Elsewhere: another row id, then each owner column given another value in turn.
      const elsewhere = [{ ...own, rowId: otherValue(own.rowId) }, ...col.owner_columns.map((o) => ({ ...own, owner: { ...own.owner, [o]: otherValue(own.owner![o]) } }))];
      if (elsewhere.every((x) => refused(() => openColumn(keyring, x, r.ct)))) b.refusedElsewhere++;
    }
    return b;
  });
}

/** A different value of the same kind: another uuid for a uuid, another name for a name. */
function otherValue(v: string): string {
  return /^[0-9a-f]{8}-/i.test(v) ? (v[0] === '0' ? '1' : '0') + v.slice(1) : `${v}_ELSEWHERE`;
}

function refused(open: () => string): boolean {
  try {
    open();
    return false;
  } catch {
    return true;
  }
}

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
