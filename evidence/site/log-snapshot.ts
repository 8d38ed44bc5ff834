/**
 * The transparency log as a run published it: the signed checkpoint and exactly the tiles
 * and entry bundles that checkpoint covers (C2SP tlog-tiles paths), copied next to the
 * bundle as `log/`. A reader who downloads the site then holds everything needed to prove
 * the bundle's leaf is in the log and that the log only grew since a checkpoint they kept
 * (site/public verify.mjs, `trust log prove`), with no server of ours.
 *
 * The checkpoint is read once and only the files it names are copied: tiles are written
 * before the checkpoint that covers them and never rewritten, so a concurrent append
 * cannot tear the snapshot.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCheckpointText } from '../tlog/checkpoint.ts';
import { parseNote } from '../tlog/note.ts';
import { CHECKPOINT_FILE } from '../tlog/log.ts';
import { TILE_WIDTH, entriesPath, hashesAtLevel, tilePath } from '../tlog/tiles.ts';

export interface LogSnapshot { size: number; files: { name: string; data: Buffer }[] }

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
      // older checkpoint needs them to check the log grew from it (C2SP tlog-tiles keeps them
      // for such clients), and each published snapshot then holds every file of the previous.
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
  return readdirSync(full).filter((w) => /^\d+$/.test(w) && Number(w) < width).sort((a, b) => Number(a) - Number(b)).map((w) => `${partials}/${w}`);
}
