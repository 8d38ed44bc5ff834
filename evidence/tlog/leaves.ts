/**
 * The two kinds of log entries. Each is a JSON object serialised as canonical JSON
 * (RFC 8785, evidence/canonical.ts), so the same leaf always has the same bytes and a
 * reader can re-derive them; `kind` says which it is and `v` its format version.
 *
 * - audit-head: a witness of the audit chain's head, {database, seq, hash (hex), at}.
 *   Anyone holding a later checkpoint can prove the chain had that event at that seq.
 * - bundle: one gate run, {bundleSha256 (of bundle.json), catalogVersion, verdictsSha256
 *   (canonical JSON of every control's claimed/observed/verdict, sorted by control),
 *   controls, failing, at}.
 */
import { z } from 'zod';
import { canonicalBytes, contentHash } from '../canonical.ts';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const AuditHeadLeafSchema = z.object({
  kind: z.literal('audit-head'),
  v: z.literal(1),
  /** Which database's chain: `postgres:<system identifier>/<database>` (see readDatabaseIdentity). */
  database: z.string().min(1),
  seq: z.number().int().positive(),
  hash: hex64,
  at: z.string().datetime(),
}).strict();
export type AuditHeadLeaf = z.output<typeof AuditHeadLeafSchema>;

export const BundleLeafSchema = z.object({
  kind: z.literal('bundle'),
  v: z.literal(1),
  bundleSha256: hex64,
  catalogVersion: z.string().min(1),
  verdictsSha256: hex64,
  controls: z.number().int().min(0),
  failing: z.number().int().min(0),
  at: z.string().datetime(),
}).strict();
export type BundleLeaf = z.output<typeof BundleLeafSchema>;

export const LeafSchema = z.discriminatedUnion('kind', [AuditHeadLeafSchema, BundleLeafSchema]);
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

/** Digest of every control's verdict, the part of a bundle the history reads. */
export function verdictsDigest(evaluations: readonly { control: string; claimed: string; observed: string; verdict: string }[]): string {
  const rows = evaluations.map((e) => ({ control: e.control, claimed: e.claimed, observed: e.observed, verdict: e.verdict }));
  rows.sort((a, b) => (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));
  return contentHash(rows);
}
