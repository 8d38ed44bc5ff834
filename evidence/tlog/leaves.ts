/**
 * The two kinds of log entries. Each is a JSON object serialised as canonical JSON
 * (RFC 8785, platform/kernel/canonical.ts), so the same leaf always has the same bytes and a
 * reader can re-derive them; `kind` says which it is and `v` its format version.
 *
 * - audit-head: a witness of the audit chain's head, {database, seq, hash (hex), at, chain?}.
 *   Anyone holding a later checkpoint can prove the chain had that event at that seq. `chain`
 *   (the hash of the chain's first event) names the chain itself, which a copy or restore of
 *   the database keeps under another database name (see witness.ts).
 * - bundle: one gate run, {bundleSha256 (of bundle.json), catalogVersion, verdictsSha256
 *   (canonical JSON of every control's claimed/observed/verdict, sorted by control),
 *   controls, failing, at}.
 * - verdicts: the same run's per-control verdicts, what the history reads (evidence/history/),
 *   {bundleSha256, at, part, parts, rows: [control, claimed, observed, verdict, maxAgeSeconds][],
 *   simulated?}. Rows are sorted by control and split into parts of at most VERDICT_ROWS_PER_LEAF
 *   (an entry holds at most 64 KiB); the parts' rows, as objects, hash to the bundle leaf's
 *   verdictsSha256, so the two leaves vouch for each other. `simulated: true` marks a run the
 *   demo backdated (`trust demo --history`); it is never set by the gate. Written right after
 *   the bundle leaf of the run, in the same append.
 */
import { z } from 'zod';
import { canonicalBytes, contentHash } from '../../platform/kernel/canonical.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const AuditHeadLeafSchema = z
  .object({
    kind: z.literal('audit-head'),
    v: z.literal(1),
    /** Which database's chain: `postgres:<system identifier>/<database>` (see readDatabaseIdentity). */
    database: z.string().min(1),
    seq: z.number().int().positive(),
    hash: hex64,
    at: z.string().datetime(),
    /** The hash of the chain's first event (seq 1), when the database still holds it. */
    chain: hex64.optional(),
  })
  .strict();
export type AuditHeadLeaf = z.output<typeof AuditHeadLeafSchema>;

export const BundleLeafSchema = z
  .object({
    kind: z.literal('bundle'),
    v: z.literal(1),
    bundleSha256: hex64,
    catalogVersion: z.string().min(1),
    verdictsSha256: hex64,
    controls: z.number().int().min(0),
    failing: z.number().int().min(0),
    at: z.string().datetime(),
  })
  .strict();
export type BundleLeaf = z.output<typeof BundleLeafSchema>;

const StatusValue = z.enum(['live', 'designed', 'roadmap']);
const VerdictValue = z.enum(['holds', 'regression', 'unsupported', 'ready_to_promote', 'stale']);
export const VerdictRowSchema = z.tuple([z.string().min(1), StatusValue, StatusValue, VerdictValue, z.number().int().positive()]);
export type VerdictRow = z.output<typeof VerdictRowSchema>;

export const VerdictsLeafSchema = z
  .object({
    kind: z.literal('verdicts'),
    v: z.literal(1),
    bundleSha256: hex64,
    at: z.string().datetime(),
    part: z.number().int().min(1),
    parts: z.number().int().min(1),
    rows: z.array(VerdictRowSchema),
    simulated: z.literal(true).optional(),
  })
  .strict();
export type VerdictsLeaf = z.output<typeof VerdictsLeafSchema>;

/** 64 KiB an entry: 400 rows of a long id stay well under it. */
export const VERDICT_ROWS_PER_LEAF = 400;

export const LeafSchema = z.discriminatedUnion('kind', [AuditHeadLeafSchema, BundleLeafSchema, VerdictsLeafSchema]);
export type Leaf = z.output<typeof LeafSchema>;

export function encodeLeaf(leaf: Leaf): Buffer {
  return canonicalBytes(LeafSchema.parse(leaf));
}

/** Parses an entry; throws a one-line reason when it is not a canonical, well-formed leaf. */
export function decodeLeaf(entry: Buffer): Leaf {
  let value: unknown;
  try {
    value = JSON.parse(entry.toString('utf8'));
  } catch {
    throw new Error('not JSON');
  }
  const r = LeafSchema.safeParse(value);
  if (!r.success) throw new Error(`not a log leaf: ${r.error.issues[0]?.path.join('.') || '(root)'} ${r.error.issues[0]?.message}`);
  if (!canonicalBytes(r.data).equals(entry)) throw new Error('leaf is not in canonical JSON');
  return r.data;
}

/** The verdicts leaves of one run: rows sorted by control, in parts small enough for an entry. */
export function verdictsLeaves(bundleSha256: string, at: string, rows: readonly VerdictRow[], simulated = false): VerdictsLeaf[] {
  const sorted = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const parts = Math.max(1, Math.ceil(sorted.length / VERDICT_ROWS_PER_LEAF));
  return Array.from({ length: parts }, (_, i) => ({
    kind: 'verdicts' as const,
    v: 1 as const,
    bundleSha256,
    at,
    part: i + 1,
    parts,
    rows: sorted.slice(i * VERDICT_ROWS_PER_LEAF, (i + 1) * VERDICT_ROWS_PER_LEAF),
    ...(simulated ? { simulated: true as const } : {}),
  }));
}

/** Digest of every control's verdict, the part of a bundle the history reads. */
export function verdictsDigest(evaluations: readonly { control: string; claimed: string; observed: string; verdict: string }[]): string {
  const rows = evaluations.map((e) => ({ control: e.control, claimed: e.claimed, observed: e.observed, verdict: e.verdict }));
  rows.sort((a, b) => (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));
  return contentHash(rows);
}
