/**
 * The evidence history, read from the transparency log and nothing else: every gate run's
 * bundle leaf joined with its verdicts leaves (evidence/tlog/leaves.ts). The log is
 * verified first, whole (every leaf hash, tile and the root against the checkpoint signed
 * by a pinned key), so every figure the history and the period report derive is backed by
 * the signed tree. The database is never read: a rewritten database cannot rewrite the
 * history, and a history can be computed from a mirrored log on any machine.
 */
import { InputError } from '../../platform/kernel/errors.ts';
import { sha256Hex } from '../../platform/kernel/canonical.ts';
import { decodeLeaf, type Leaf, type VerdictRow } from '../tlog/leaves.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_FILE, readCheckpoint, verifyLog } from '../tlog/log.ts';
import type { NoteVerifier } from '../tlog/note.ts';

export interface Run {
  /** Index of the run's bundle leaf in the log (what `trust log prove --leaf` takes). */
  leafIndex: number;
  at: string;
  /** `at` in epoch milliseconds. */
  t: number;
  bundleSha256: string;
  catalogVersion: string;
  failing: number;
  /** Backdated by `trust demo --history`, never by the gate. */
  simulated: boolean;
  /** Control id -> its row of the run's verdicts. */
  rows: Map<string, VerdictRow>;
}

export interface LogHistory {
  dir: string;
  /** The signed checkpoint the history was read against: it freezes the population of runs. */
  checkpoint: { origin: string; size: number; root: string };
  /** Every run with its verdicts, by time (then by log position). */
  runs: Run[];
  /** Runs the log names without verdicts (logs written before verdicts leaves): counted, not judged. */
  runsWithoutVerdicts: number;
}

/** Reads and verifies the whole log; throws an InputError (exit 2, one line) when it does not verify. */
export function readHistory(dir: string, verifiers: readonly NoteVerifier[]): LogHistory {
  if (!existsSync(path.join(dir, CHECKPOINT_FILE))) throw new InputError(`transparency log ${dir} has no checkpoint: no gate run recorded yet (run npx trust check, or set TRUST_LOG_DIR)`);
  const bundles = new Map<number, Run & { verdictsSha256: string; parts: VerdictRow[][]; partsExpected: number }>();
  const pending = new Map<string, number[]>(); // bundleSha256 -> bundle leaf indexes still awaiting verdicts
  const r = verifyLog(dir, verifiers, {
    checkEntry: (entry, index) => {
      let leaf;
      try {
        leaf = fastVerdicts(entry) ?? decodeLeaf(entry);
      } catch (e) {
        return (e as Error).message;
      }
      if (leaf.kind === 'bundle') {
        bundles.set(index, {
          leafIndex: index,
          at: leaf.at,
          t: Date.parse(leaf.at),
          bundleSha256: leaf.bundleSha256,
          catalogVersion: leaf.catalogVersion,
          failing: leaf.failing,
          simulated: false,
          rows: new Map(),
          verdictsSha256: leaf.verdictsSha256,
          parts: [],
          partsExpected: 0,
        });
        const q = pending.get(leaf.bundleSha256) ?? [];
        q.push(index);
        pending.set(leaf.bundleSha256, q);
      } else if (leaf.kind === 'verdicts') {
        // Verdicts belong to the latest bundle leaf of the same digest that is still missing parts.
        const q = pending.get(leaf.bundleSha256);
        const run = q?.length ? bundles.get(q[q.length - 1]) : undefined;
        if (!run) return `verdicts for bundle ${leaf.bundleSha256.slice(0, 12)} follow no bundle leaf of that digest`;
        if (leaf.at !== run.at || leaf.part !== run.parts.length + 1 || (run.partsExpected && leaf.parts !== run.partsExpected))
          return `verdicts part ${leaf.part}/${leaf.parts} of bundle ${leaf.bundleSha256.slice(0, 12)} is out of order`;
        run.partsExpected = leaf.parts;
        run.parts.push(leaf.rows);
        if (leaf.simulated) run.simulated = true;
        if (run.parts.length === leaf.parts) q!.pop();
      }
      return null;
    },
  });
  if (!r.ok) throw new InputError(`transparency log ${dir} does not verify: ${r.reason}`);
  const cp = readCheckpoint(dir, verifiers)!;
  const runs: Run[] = [];
  let without = 0;
  for (const run of bundles.values()) {
    if (!run.partsExpected || run.parts.length !== run.partsExpected) {
      without++;
      continue;
    }
    const rows = run.parts.flat();
    // The two leaves vouch for each other: the rows hash to what the bundle leaf signed.
    // RFC 8785 of these objects is JSON.stringify with the keys in sorted order (strings only),
    // which is what verdictsDigest hashes, at a tenth of the cost on a 90-day log.
    const digest = sha256Hex(JSON.stringify(rows.map(([control, claimed, observed, verdict]) => ({ claimed, control, observed, verdict }))));
    if (digest !== run.verdictsSha256) throw new InputError(`transparency log ${dir}: the verdicts of entry ${run.leafIndex} do not hash to its bundle leaf's verdictsSha256`);
    runs.push({
      leafIndex: run.leafIndex,
      at: run.at,
      t: run.t,
      bundleSha256: run.bundleSha256,
      catalogVersion: run.catalogVersion,
      failing: run.failing,
      simulated: run.simulated,
      rows: new Map(rows.map((row) => [row[0], row])),
    });
  }
  runs.sort((a, b) => a.t - b.t || a.leafIndex - b.leafIndex);
  return { dir, checkpoint: { origin: cp.origin, size: cp.size, root: cp.root.toString('base64') }, runs, runsWithoutVerdicts: without };
}

const STATUS = new Set(['live', 'designed', 'roadmap']);
const VERDICT = new Set(['holds', 'regression', 'unsupported', 'ready_to_promote', 'stale']);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * decodeLeaf for the bulk of a log, verdicts leaves, without zod and the generic RFC 8785
 * serialiser (together 80% of reading a 90-day log): the same checks, by hand. Canonical
 * form is checked by re-serialising with sorted keys: for these values (strings, integers,
 * arrays) JSON.stringify writes exactly what RFC 8785 does. Anything unexpected returns
 * null and goes the general way, which then gives the reason.
 */
function fastVerdicts(entry: Buffer): Leaf | null {
  if (entry[2] !== 0x61 || !entry.includes('"kind":"verdicts"')) return null; // {"at"...
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(entry.toString('utf8'));
  } catch {
    return null;
  }
  const keys = Object.keys(v).sort();
  const want = v.simulated === undefined ? ['at', 'bundleSha256', 'kind', 'part', 'parts', 'rows', 'v'] : ['at', 'bundleSha256', 'kind', 'part', 'parts', 'rows', 'simulated', 'v'];
  if (keys.join() !== want.join() || v.v !== 1 || (v.simulated !== undefined && v.simulated !== true)) return null;
  if (typeof v.bundleSha256 !== 'string' || !HEX64.test(v.bundleSha256) || typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) return null;
  if (!Number.isInteger(v.part) || !Number.isInteger(v.parts) || (v.part as number) < 1 || (v.parts as number) < 1 || !Array.isArray(v.rows)) return null;
  for (const row of v.rows as unknown[]) {
    if (
      !Array.isArray(row) ||
      row.length !== 5 ||
      typeof row[0] !== 'string' ||
      !row[0] ||
      !STATUS.has(row[1]) ||
      !STATUS.has(row[2]) ||
      !VERDICT.has(row[3]) ||
      !Number.isInteger(row[4]) ||
      row[4] <= 0
    )
      return null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v.at)) return null;
  const canonical = JSON.stringify(Object.fromEntries(keys.map((k) => [k, v[k]])));
  if (canonical !== entry.toString('utf8')) return null;
  return v as unknown as Leaf;
}
