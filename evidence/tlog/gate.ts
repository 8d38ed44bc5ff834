/**
 * What every gate run writes to the transparency log: its bundle leaf, and the audit
 * chain's head when it may be witnessed. The log is outside the database, so the gate
 * still never writes to the database.
 *
 * The head is not witnessed when the chain failed verification, when it disagrees with
 * the head witnessed before (a rewrite), or when the log itself could not be trusted:
 * witnessing it then would make the next run accept the rewritten chain. The failure
 * stays visible on every run until someone looks.
 */
import type { CollectedPart } from '../evaluate.ts';
import type { Bundle } from '../types.ts';
import type { WitnessFacts } from '../../collectors/witness.ts';
import { logDir, logSigner } from './config.ts';
import { encodeLeaf, verdictsDigest, verdictsLeaves } from './leaves.ts';
import { append, proveInclusion } from './log.ts';
import { storeBundle } from './store.ts';
import { leafHash } from './hash.ts';
import { maxAgeSeconds } from '../freshness.ts';

export interface RecordRunInput {
  root: string;
  parts: Record<string, CollectedPart>;
  bundle: Bundle;
  bundleSha256: string;
  now: Date;
  /** bundle.json's bytes and its DSSE envelope, stored by digest beside the log (tlog/store.ts). */
  bundleBytes?: Uint8Array;
  envelope?: Uint8Array;
}

/**
 * What the run's output set carries of the log: this run's receipt, nothing of other runs.
 * `checkpoint` is the signed checkpoint this run's append produced, and `inclusion` the RFC 9162
 * inclusion proof of the run's bundle leaf in it. The whole log (tiles, entry bundles naming
 * every earlier run) stays in the log directory, which outlives runs (tlog/config.ts).
 */
export interface LogReceipt {
  checkpoint: string;
  inclusion: {
    /** The checkpoint's origin and tree size the proof is for. */
    origin: string;
    treeSize: number;
    /** Index of the bundle leaf, its bytes (canonical JSON, tlog/leaves.ts) and its RFC 9162 leaf hash (base64). */
    index: number;
    entry: string;
    leafHash: string;
    /** Inclusion proof, RFC 9162 section 2.1.3, base64 hashes from the leaf up. */
    proof: string[];
  };
}

/** The receipt's files, as the output set names them under `log/`. */
export function receiptFiles(r: LogReceipt): { name: string; data: string }[] {
  return [
    { name: 'checkpoint', data: r.checkpoint },
    { name: 'inclusion.json', data: JSON.stringify(r.inclusion, null, 2) + '\n' },
  ];
}

export async function recordRun(i: RecordRunInput): Promise<{ notes: string[]; receipt: LogReceipt }> {
  const w = i.parts.witness?.facts as WitnessFacts | undefined;
  const audit = i.parts.audit?.facts as { verification?: { ok?: boolean } } | undefined;
  const at = i.now.toISOString();
  const failing = i.bundle.evaluations.filter((e) => e.verdict === 'regression' || e.verdict === 'unsupported').length;
  const leaves = [
    encodeLeaf({
      kind: 'bundle',
      v: 1,
      bundleSha256: i.bundleSha256,
      catalogVersion: i.bundle.catalog.version,
      verdictsSha256: verdictsDigest(i.bundle.evaluations),
      controls: i.bundle.evaluations.length,
      failing,
      at,
    }),
  ];
  // The per-control verdicts the history reads, right after the bundle leaf (tlog/leaves.ts).
  const controls = new Map(i.bundle.catalog.controls.map((c) => [c.id, c]));
  const rows = i.bundle.evaluations.map((e) => [e.control, e.claimed, e.observed, e.verdict, e.freshness?.maxAgeSeconds ?? maxAgeSeconds(controls.get(e.control) ?? {})] as const);
  for (const v of verdictsLeaves(
    i.bundleSha256,
    at,
    rows.map((r) => [...r]),
  ))
    leaves.push(encodeLeaf(v));
  let headNote = '';
  if (w) {
    const rewritten = w.witnessed && w.hashAtWitnessedSeq !== w.witnessed.hash;
    // A head witnessed only for another database of the same chain (this is a copy): witness it under this database's name too, so its own witness holds it from now on.
    const advanced = w.headSeq > 0 && w.headHash && (!w.witnessed || w.witnessed.database !== undefined || w.headSeq > w.witnessed.seq);
    if (w.logError) headNote = 'audit head not witnessed: the log could not be trusted';
    else if (rewritten) headNote = `audit head not witnessed: the chain disagrees with the head witnessed at seq ${w.witnessed!.seq}`;
    else if (audit?.verification?.ok === false) headNote = 'audit head not witnessed: the audit chain does not verify';
    else if (advanced) {
      leaves.push(encodeLeaf({ kind: 'audit-head', v: 1, database: w.database, seq: w.headSeq, hash: w.headHash!, at, ...(w.chain ? { chain: w.chain } : {}) }));
      headNote = `audit head seq ${w.headSeq} witnessed`;
    } else headNote = `audit head seq ${w.headSeq} already witnessed`;
  }
  const dir = logDir(i.root);
  if (i.bundleBytes && i.envelope) storeBundle(dir, i.bundleBytes, i.envelope);
  const signer = logSigner(i.root, () => {});
  const r = await append(dir, leaves, signer);
  // Tiles of a signed size are never rewritten (partial tiles carry their width), so the
  // proof can be read after the lock is released, while other runs append.
  const proof = proveInclusion(dir, r.firstIndex, r.size);
  const receipt: LogReceipt = {
    checkpoint: r.checkpoint,
    inclusion: {
      origin: signer.name,
      treeSize: r.size,
      index: r.firstIndex,
      entry: Buffer.from(leaves[0]!).toString('utf8'),
      leafHash: leafHash(leaves[0]!).toString('base64'),
      proof: proof.map((h) => h.toString('base64')),
    },
  };
  return { notes: [`transparency log ${dir}: bundle at entry ${r.firstIndex}${headNote ? `, ${headNote}` : ''} (size ${r.size})`], receipt };
}
