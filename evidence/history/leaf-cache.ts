/**
 * Speed trick (TRUST_HISTORY_LEAF_CACHE=0 turns it off; test/evidence/history/leaf-cache.test.ts
 * holds it equal to the plain way): the history's leaves decoded without zod and the generic
 * RFC 8785 serialiser, and each distinct verdicts text decoded, checked and hashed once.
 *
 * Why: a 90-day log of 200 controls holds 400,000 verdict rows, and consecutive runs nearly
 * always carry the very same rows (their leaves differ in `at` and the bundle digest only).
 * The plain way parses every row of every run, checks each leaf is canonical by serialising it
 * again, builds a map per run and hashes every run's rows as objects: most of the cost of a
 * period, and most of its garbage. Here the rows text of a verdicts leaf is looked up in a table
 * of the texts already checked; a text seen before gives the same frozen rows, and a run whose
 * parts are all known gives the same digest and the same (shared, read-only) map of rows.
 *
 * Nothing is taken on trust: a leaf is accepted here only when its exact bytes are the canonical
 * form of a well-formed leaf. The fixed parts of the leaf are matched whole (anchored patterns
 * that admit only characters JSON writes as they are, and `at` checked by the leaf schema's own
 * rule); the rows text, the first time it is seen, is parsed, checked row by row as the schema
 * checks it, and serialised again to the same bytes. The same bytes give the same result, so the
 * table only remembers answers. Anything else returns null and goes the plain way (decodeLeaf),
 * which accepts or gives the reason. The leaf hash is computed from every entry's bytes as before.
 */
import { contentHash, sha256Hex } from '../../platform/kernel/canonical.ts';
import { trickEnabled } from '../../platform/kernel/switches.ts';
import { BundleLeafSchema, decodeLeaf, type Leaf, type VerdictRow } from '../tlog/leaves.ts';

export const LEAF_CACHE_SWITCH = 'TRUST_HISTORY_LEAF_CACHE';

/** A run's verdicts put together from its parts: what its bundle leaf's verdictsSha256 must be, and the rows by control. */
export interface AssembledVerdicts {
  digest: string;
  rows: ReadonlyMap<string, VerdictRow>;
}

export interface HistoryLeafDecoder {
  /** Decodes an entry as decodeLeaf does; throws its one-line reason when it is not a well-formed, canonical leaf. */
  decode(entry: Buffer): Leaf;
  /** The rows of a run's verdicts parts (in order), as the run's history reads them, and their digest. */
  assemble(parts: readonly (readonly VerdictRow[])[]): AssembledVerdicts;
}

/** The rows as the gate hashed them (evidence/tlog/leaves.ts verdictsDigest, in the leaves' order). */
function plainAssemble(parts: readonly (readonly VerdictRow[])[]): AssembledVerdicts {
  const rows = parts.flat();
  return { digest: contentHash(rows.map(([control, claimed, observed, verdict]) => ({ control, claimed, observed, verdict }))), rows: new Map(rows.map((r) => [r[0], r])) };
}

const plain: HistoryLeafDecoder = { decode: decodeLeaf, assemble: plainAssemble };

/** The decoder the history uses now: cached unless TRUST_HISTORY_LEAF_CACHE says 0/off/false/no. */
export function historyLeafDecoder(): HistoryLeafDecoder {
  return trickEnabled(LEAF_CACHE_SWITCH) ? cachedDecoder() : plain;
}

const STATUS = new Set(['live', 'designed', 'roadmap']);
const VERDICT = new Set(['holds', 'regression', 'unsupported', 'ready_to_promote', 'stale']);
// Characters an ISO 8601 instant is written with; none is escaped in JSON.
const AT = '([0-9TZ:.+-]{1,64})';
const COUNT = '(0|[1-9][0-9]{0,14})'; // canonical integers below 2^53
const VERDICTS_HEAD = new RegExp(`^\\{"at":"${AT}","bundleSha256":"([0-9a-f]{64})","kind":"verdicts","part":([1-9][0-9]{0,14}),"parts":([1-9][0-9]{0,14}),"rows":\\[`);
const BUNDLE = new RegExp(
  `^\\{"at":"${AT}","bundleSha256":"([0-9a-f]{64})","catalogVersion":"([A-Za-z0-9._+-]{1,128})","controls":${COUNT},"failing":${COUNT},"kind":"bundle","v":1,"verdictsSha256":"([0-9a-f]{64})"\\}$`,
);
const TAIL = ',"v":1}';
const SIMULATED_TAIL = ',"simulated":true,"v":1}';
const validAt = (at: string): boolean => BundleLeafSchema.shape.at.safeParse(at).success;

/** The rows of a verdicts leaf's rows text, or null unless the bytes are the canonical JSON of well-formed rows. */
function checkRows(bytes: Buffer): readonly VerdictRow[] | null {
  const text = bytes.toString('utf8');
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(rows)) return null;
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 5) return null;
    const [control, claimed, observed, verdict, maxAge] = row as unknown[];
    if (typeof control !== 'string' || !control || !STATUS.has(claimed as string) || !STATUS.has(observed as string) || !VERDICT.has(verdict as string)) return null;
    if (!Number.isSafeInteger(maxAge) || (maxAge as number) <= 0) return null;
  }
  // For strings and integers JSON.stringify writes what RFC 8785 writes; bytes, not strings, are compared.
  if (!Buffer.from(JSON.stringify(rows), 'utf8').equals(bytes)) return null;
  for (const row of rows as VerdictRow[]) Object.freeze(row);
  return Object.freeze(rows as VerdictRow[]);
}

function cachedDecoder(): HistoryLeafDecoder {
  // Rows text (its bytes as latin1, one character a byte) -> the checked rows and a number naming them.
  const texts = new Map<string, { rows: readonly VerdictRow[]; id: number }>();
  const ids = new Map<readonly VerdictRow[], number>();
  // Part number -> the rows text of the latest leaf of that part, and what it decoded to.
  const previous = new Map<string, { bytes: Buffer; known: { rows: readonly VerdictRow[]; id: number } }>();
  // Numbers of a run's parts, joined -> the run's verdicts.
  const runs = new Map<string, AssembledVerdicts>();

  const fastVerdicts = (entry: Buffer): Leaf | null => {
    const head = VERDICTS_HEAD.exec(entry.toString('latin1', 0, Math.min(entry.length, 256)));
    if (!head) return null;
    const simulated = entry.length > SIMULATED_TAIL.length && entry.toString('latin1', entry.length - SIMULATED_TAIL.length) === SIMULATED_TAIL;
    const tail = simulated ? SIMULATED_TAIL.length : TAIL.length;
    if (!simulated && entry.toString('latin1', entry.length - TAIL.length) !== TAIL) return null;
    const start = head[0].length - 1; // the rows' opening bracket
    const end = entry.length - tail;
    if (end <= start + 1 || entry[end - 1] !== 0x5d) return null;
    const bytes = entry.subarray(start, end);
    // Most runs carry the rows of the run before (part for part): a byte comparison finds them
    // without making a string of the rows and hashing it for the table.
    const part = head[3];
    let known = previous.get(part)?.bytes.equals(bytes) ? previous.get(part)!.known : undefined;
    if (!known) {
      const key = bytes.toString('latin1');
      known = texts.get(key);
      if (!known) {
        const rows = checkRows(bytes);
        if (!rows) return null;
        known = { rows, id: texts.size };
        texts.set(key, known);
        ids.set(rows, known.id);
      }
      previous.set(part, { bytes, known });
    }
    if (!validAt(head[1])) return null;
    return {
      kind: 'verdicts',
      v: 1,
      bundleSha256: head[2],
      at: head[1],
      part: Number(head[3]),
      parts: Number(head[4]),
      rows: known.rows as VerdictRow[],
      ...(simulated ? { simulated: true as const } : {}),
    };
  };

  const fastBundle = (entry: Buffer): Leaf | null => {
    if (entry.length > 512) return null;
    const m = BUNDLE.exec(entry.toString('latin1'));
    if (!m || !validAt(m[1])) return null;
    return { kind: 'bundle', v: 1, bundleSha256: m[2], catalogVersion: m[3], verdictsSha256: m[6], controls: Number(m[4]), failing: Number(m[5]), at: m[1] };
  };

  return {
    decode: (entry) => fastVerdicts(entry) ?? fastBundle(entry) ?? decodeLeaf(entry),
    assemble(parts) {
      const known = parts.map((p) => ids.get(p));
      // Rows the plain way decoded (a leaf this decoder did not vouch for) are not in the table.
      if (known.some((id) => id === undefined)) return plainAssemble(parts);
      const key = known.join(',');
      let run = runs.get(key);
      if (!run) {
        const rows = parts.flat();
        // RFC 8785 of these objects is JSON.stringify with the keys in sorted order (strings only).
        const digest = sha256Hex(JSON.stringify(rows.map(([control, claimed, observed, verdict]) => ({ claimed, control, observed, verdict }))));
        run = { digest, rows: new Map(rows.map((r) => [r[0], r])) };
        runs.set(key, run);
      }
      return run;
    },
  };
}
