/**
 * The evidence history, read from the transparency log and nothing else: every gate run's
 * bundle leaf joined with its verdicts leaves (evidence/tlog/leaves.ts). The log is
 * verified first, whole (every leaf hash, tile and the root against the checkpoint signed
 * by a pinned key), so every figure the history and the period report derive is backed by
 * the signed tree. The database is never read: a rewritten database cannot rewrite the
 * history, and a history can be computed from a mirrored log on any machine.
 */
import { InputError } from '../../platform/kernel/errors.ts';
import type { VerdictRow } from '../tlog/leaves.ts';
import { CHECKPOINT_FILE, verifyLog } from '../tlog/log.ts';
import type { NoteVerifier } from '../tlog/note.ts';
import { dirFiles, type LogFiles } from '../tlog/tiles.ts';
import { historyLeafDecoder } from './leaf-cache.ts';

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
  /** Control id -> its row of the run's verdicts. Read-only: runs with the same verdicts may share it (leaf-cache.ts). */
  rows: ReadonlyMap<string, VerdictRow>;
}

export interface LogHistory {
  dir: string;
  /** The signed checkpoint the history was read against: it freezes the population of runs. */
  checkpoint: { origin: string; size: number; root: string };
  /** Every run with its verdicts, by time (then by log position). */
  runs: Run[];
  /** Runs the log names without verdicts (logs written before verdicts leaves): counted, not judged. */
  runsWithoutVerdicts: number;
  /** The tiles recomputed while verifying (equal to the stored ones): proofs are drawn from them, not from a second read of the log. */
  tiles: LogFiles;
}

/**
 * Reads and verifies the whole log, a directory or files already read (the log a site
 * publishes); throws an InputError (exit 2, one line) when it does not verify.
 */
export function readHistory(source: string | LogFiles, verifiers: readonly NoteVerifier[]): LogHistory {
  const files = typeof source === 'string' ? dirFiles(source) : source;
  const dir = files.where;
  const note = files.read(CHECKPOINT_FILE);
  if (!note) throw new InputError(`transparency log ${dir} has no checkpoint: no gate run recorded yet (run npx trust check, or set TRUST_LOG_DIR)`);
  const decoder = historyLeafDecoder();
  const bundles = new Map<number, Omit<Run, 'rows'> & { verdictsSha256: string; parts: VerdictRow[][]; partsExpected: number }>();
  const pending = new Map<string, number[]>(); // bundleSha256 -> bundle leaf indexes still awaiting verdicts
  // The checkpoint is read once, by verifyLog: the one read here only said there is a log.
  const r = verifyLog(memoryCheckpoint(files, note), verifiers, {
    keepTiles: true,
    checkEntry: (entry, index) => {
      let leaf;
      try {
        leaf = decoder.decode(entry);
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
  const cp = r.checkpoint!;
  const runs: Run[] = [];
  let without = 0;
  for (const run of bundles.values()) {
    if (!run.partsExpected || run.parts.length !== run.partsExpected) {
      without++;
      continue;
    }
    // The two leaves vouch for each other: the rows hash to what the bundle leaf signed.
    const verdicts = decoder.assemble(run.parts);
    if (verdicts.digest !== run.verdictsSha256) throw new InputError(`transparency log ${dir}: the verdicts of entry ${run.leafIndex} do not hash to its bundle leaf's verdictsSha256`);
    runs.push({
      leafIndex: run.leafIndex,
      at: run.at,
      t: run.t,
      bundleSha256: run.bundleSha256,
      catalogVersion: run.catalogVersion,
      failing: run.failing,
      simulated: run.simulated,
      rows: verdicts.rows,
    });
  }
  runs.sort((a, b) => a.t - b.t || a.leafIndex - b.leafIndex);
  return { dir, checkpoint: { origin: cp.origin, size: cp.size, root: cp.root.toString('base64') }, runs, runsWithoutVerdicts: without, tiles: r.tiles! };
}

/** `files` with the checkpoint already read in place of a second read (which could find a newer one). */
function memoryCheckpoint(files: LogFiles, note: Buffer): LogFiles {
  return { where: files.where, read: (rel) => (rel === CHECKPOINT_FILE ? note : files.read(rel)) };
}
