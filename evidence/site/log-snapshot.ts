/**
 * The transparency log as the site publishes it: a signed checkpoint and exactly the tiles and
 * entry bundles that checkpoint covers (C2SP tlog-tiles paths), served under `/log/`. A reader
 * who downloads the site then holds everything needed to prove the bundle's leaf is in the log
 * and that the log only grew since a checkpoint they kept (verify.mjs, `trust log prove`), with
 * no server of ours.
 *
 * The log is not part of a run's output set: it names every earlier run's bundle, and a set
 * holds one run's files only (evidence/output/atomic-set.ts). The set carries the run's receipt
 * under `log/` (the checkpoint its append signed and its bundle leaf's inclusion proof,
 * evidence/tlog/gate.ts); the site reads the log itself from the log directory (TRUST_LOG_DIR,
 * else <TRUST_DATA_DIR|.data>/tlog) and publishes it only when it extends that checkpoint.
 *
 * The checkpoint is read once and only the files it names are copied: tiles are written
 * before the checkpoint that covers them and never rewritten, so a concurrent append
 * cannot tear the snapshot.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import { openCheckpoint, parseCheckpointText, type Checkpoint } from '../tlog/checkpoint.ts';
import { keyIdOf, parseNote, validKeyName } from '../tlog/note.ts';
import { CHECKPOINT_FILE } from '../tlog/log.ts';
import { consistencyProof, verifyConsistency } from '../tlog/proof.ts';
import { TILE_WIDTH, TileSource, entriesPath, hashesAtLevel, tilePath } from '../tlog/tiles.ts';
import { logDir } from '../tlog/config.ts';

export interface LogSnapshot {
  size: number;
  files: { name: string; data: Buffer }[];
}

/** Files of the log at its current checkpoint, named relative to the log directory; null when there is no log. */
export function snapshotLog(dir: string): LogSnapshot | null {
  const cpFile = path.join(dir, CHECKPOINT_FILE);
  if (!existsSync(cpFile)) return null;
  const note = readFileSync(cpFile, 'utf8');
  const { size } = parseCheckpointText(parseNote(note).text);
  const names: string[] = [];
  for (let t = 0; hashesAtLevel(size, t) > 0; t++) {
    const n = hashesAtLevel(size, t);
    for (let i = 0; i * TILE_WIDTH < n; i++) {
      const width = Math.min(TILE_WIDTH, n - i * TILE_WIDTH);
      names.push(tilePath(t, i, width));
      if (t === 0) names.push(entriesPath(i, width));
      // The narrower partial tiles of earlier sizes, as the log keeps them: a reader holding an
      // older checkpoint may fetch them (C2SP tlog-tiles keeps them for such clients), and each
      // published snapshot then holds every file of the previous.
      names.push(...olderPartials(dir, tilePath(t, i, 1), width));
      if (t === 0) names.push(...olderPartials(dir, entriesPath(i, 1), width));
    }
  }
  const files = names.map((name) => {
    const file = path.join(dir, name);
    if (!existsSync(file)) throw new Error(`transparency log ${dir}: ${name} is missing for checkpoint size ${size}`);
    return { name, data: readFileSync(file) };
  });
  files.push({ name: CHECKPOINT_FILE, data: Buffer.from(note, 'utf8') });
  return { size, files };
}

/** `<index>.p/<w>` files in the log for widths below `width` (the current one is named already). */
function olderPartials(dir: string, widthOnePath: string, width: number): string[] {
  const partials = path.posix.dirname(widthOnePath); // tile/<L>/<N>.p
  const full = path.join(dir, partials);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((w) => /^\d+$/.test(w) && Number(w) < width)
    .sort((a, b) => Number(a) - Number(b))
    .map((w) => `${partials}/${w}`);
}

/** Where the site reads the log: TRUST_SITE_LOG_DIR (set by evidence/site/build.ts when told), else where the gate writes it. */
export function siteLogDir(root: string): string {
  return process.env.TRUST_SITE_LOG_DIR ? path.resolve(process.env.TRUST_SITE_LOG_DIR) : logDir(root);
}

/** Opens a checkpoint note, with its signature checked when the key is known (the log is signed with the evidence key, under the origin's name). */
function checkpointOf(note: string, file: string, key: KeyObject | null): Checkpoint {
  try {
    const c = parseCheckpointText(parseNote(note).text);
    if (!key) return c;
    if (!validKeyName(c.origin)) throw new Error(`origin ${JSON.stringify(c.origin)} is not a key name`);
    return openCheckpoint(note, [{ name: c.origin, keyId: keyIdOf(c.origin, key), publicKey: key }], c.origin);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split('\n')[0]} (with the bundle's key)`);
  }
}

/**
 * The log the site publishes beside the run whose set holds `setLog` (its `log/` receipt): the
 * latest signed checkpoint of the log in `dir` and the files it covers, refused (one line) unless
 * it is an extension of the run's checkpoint (RFC 9162 consistency proof from the tiles) and, with
 * `key`, both checkpoints are signed by it. Null when the run was not recorded (no receipt).
 * A set written before receipts carries the log itself in `log/`; that is used when `dir` has none.
 */
export function publishedLog(setLog: string, dir: string, key: KeyObject | null): LogSnapshot | null {
  const receiptFile = path.join(setLog, CHECKPOINT_FILE);
  if (!existsSync(receiptFile)) return null;
  const run = checkpointOf(readFileSync(receiptFile, 'utf8'), receiptFile, key);
  const source = existsSync(path.join(dir, CHECKPOINT_FILE)) ? dir : existsSync(path.join(setLog, 'tile')) ? setLog : null;
  if (!source)
    throw new Error(
      `${receiptFile}: the run was recorded in the transparency log (size ${run.size}), but ${dir} holds no log; set TRUST_LOG_DIR to the log directory (or a mirror of it) to publish it`,
    );
  const snap = snapshotLog(source)!;
  const latestFile = path.join(source, CHECKPOINT_FILE);
  const latest = checkpointOf(snap.files.find((f) => f.name === CHECKPOINT_FILE)!.data.toString('utf8'), latestFile, key);
  if (latest.origin !== run.origin) throw new Error(`${latestFile}: a checkpoint of log ${latest.origin}, the run was recorded in ${run.origin}`);
  if (latest.size < run.size) throw new Error(`${latestFile}: the log (size ${latest.size}) is older than the checkpoint the run was recorded in (size ${run.size}): rolled back, or another log`);
  let consistent: boolean;
  try {
    consistent =
      latest.size === run.size
        ? latest.root.equals(run.root)
        : verifyConsistency(run.size, latest.size, consistencyProof(new TileSource(source, latest.size), run.size, latest.size), run.root, latest.root);
  } catch (e) {
    throw new Error(`transparency log ${source}: ${(e as Error).message}`);
  }
  if (!consistent)
    throw new Error(`${latestFile}: the log (size ${latest.size}) is not an extension of the checkpoint the run was recorded in (size ${run.size}): it was rewritten, or it is another log`);
  return snap;
}
