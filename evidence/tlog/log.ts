/**
 * The log itself: append entries (under a lock), read entries and proofs, and verify the
 * whole log from its tiles and entry bundles against its signed checkpoint.
 *
 * Appending writes only new files (full tiles, and partial tiles whose names carry their
 * width) and then replaces `checkpoint`, each by temp file and rename: a reader sees the
 * old checkpoint or the new one, never a torn file, and every tile a checkpoint names is
 * on disk before the checkpoint is. A crash mid-append leaves files beyond the signed size;
 * the next append writes over them, and no checkpoint ever covered them.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../../platform/kernel/errors.ts';
import { writeFileAtomic } from '../output/atomic-set.ts';
import { openCheckpoint, parseCheckpointText, signCheckpoint, type Checkpoint } from './checkpoint.ts';
import { EMPTY_ROOT, HASH_SIZE, leafHash, nodeHash } from './hash.ts';
import { parseNote, type NoteSigner, type NoteVerifier } from './note.ts';
import { consistencyProof, inclusionProof } from './proof.ts';
import { TILE_HEIGHT, TILE_WIDTH, TileSource, dirFiles, encodeEntry, entriesPath, foldHashes, hashesAtLevel, memoryFiles, parseBundle, tilePath, type LogFiles } from './tiles.ts';

export const CHECKPOINT_FILE = 'checkpoint';
const LOCK_FILE = '.lock';

type TileSink = (t: number, index: number, hashes: Buffer, full: boolean) => void;

/**
 * Builds the tree leaf by leaf. The stack holds the perfect subtrees of the binary
 * decomposition of the size (largest first); adding a leaf merges equal levels, so each
 * node hash is computed once, and a node at a level that is a multiple of 8 is also the
 * next hash of the tile level above: tiles fall out of the same pass.
 */
export class TreeBuilder {
  private readonly stack: { level: number; hash: Buffer }[] = [];
  private readonly counts: number[] = [];
  private readonly tiles: Buffer[] = [];

  constructor(
    public size: number,
    private readonly sink: TileSink,
  ) {}

  /** A builder that continues the tree stored in `src` (its right edge read from the tiles). */
  static resume(src: TileSource, sink: TileSink): TreeBuilder {
    const b = new TreeBuilder(src.size, sink);
    let start = 0;
    for (let level = Math.floor(Math.log2(Math.max(1, src.size))); level >= 0; level--) {
      if (src.size - start >= 2 ** level) {
        b.stack.push({ level, hash: src.node(level, start / 2 ** level) });
        start += 2 ** level;
      }
    }
    for (let t = 0; hashesAtLevel(src.size, t) > 0; t++) {
      const n = hashesAtLevel(src.size, t);
      b.counts[t] = n;
      b.tiles[t] = Buffer.alloc(TILE_WIDTH * HASH_SIZE);
      if (n % TILE_WIDTH) src.tile(t, Math.floor(n / TILE_WIDTH)).copy(b.tiles[t]);
    }
    return b;
  }

  addLeafHash(h: Buffer): void {
    this.size++;
    let level = 0;
    let hash = h;
    for (;;) {
      if (level % TILE_HEIGHT === 0) this.tileAppend(level / TILE_HEIGHT, hash);
      const top = this.stack[this.stack.length - 1];
      if (top && top.level === level) {
        this.stack.pop();
        hash = nodeHash(top.hash, hash);
        level++;
        continue;
      }
      this.stack.push({ level, hash });
      return;
    }
  }

  private tileAppend(t: number, h: Buffer): void {
    const n = this.counts[t] ?? 0;
    const buf = (this.tiles[t] ??= Buffer.alloc(TILE_WIDTH * HASH_SIZE));
    h.copy(buf, (n % TILE_WIDTH) * HASH_SIZE);
    this.counts[t] = n + 1;
    if ((n + 1) % TILE_WIDTH === 0) {
      this.sink(t, Math.floor(n / TILE_WIDTH), buf, true);
      this.tiles[t] = Buffer.alloc(TILE_WIDTH * HASH_SIZE);
    }
  }

  /** Hands the partial tiles of the current size to the sink. */
  flushPartials(): void {
    for (let t = 0; t < this.counts.length; t++) {
      const w = this.counts[t] % TILE_WIDTH;
      if (w) this.sink(t, Math.floor(this.counts[t] / TILE_WIDTH), this.tiles[t].subarray(0, w * HASH_SIZE), false);
    }
  }

  root(): Buffer {
    if (!this.stack.length) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i].hash, r);
    return r;
  }
}

/** The checkpoint file's text, or null for a log that has none yet. */
export function readCheckpointNote(dir: string): string | null {
  const file = path.join(dir, CHECKPOINT_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Reads and verifies the checkpoint (pinned verifiers); null when the log is empty. Throws a one-line reason. */
export function readCheckpoint(dir: string, verifiers: readonly NoteVerifier[], origin?: string): Checkpoint | null {
  const note = readCheckpointNote(dir);
  if (note === null) return null;
  try {
    return openCheckpoint(note, verifiers, origin);
  } catch (e) {
    throw new Error(`${path.join(dir, CHECKPOINT_FILE)}: ${(e as Error).message}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `<dir>/.lock` (created with O_EXCL, holding our pid). Appenders
 * serialise: a second one waits up to `timeoutMs`, then fails with an EnvironmentError
 * (exit 2, one line). A lock left by a dead process is taken over.
 */
export async function withLogLock<T>(dir: string, fn: () => Promise<T> | T, timeoutMs = Number(process.env.TRUST_LOG_LOCK_TIMEOUT_MS ?? 10_000)): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {
        /* released meanwhile */
      }
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() - started >= timeoutMs)
        throw new EnvironmentError(`transparency log ${dir} is locked by process ${Number.isNaN(holder) ? '?' : holder} (waited ${timeoutMs} ms): another run is appending`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  }
}

export interface AppendResult {
  firstIndex: number;
  size: number;
  root: Buffer;
  checkpoint: string;
}

/**
 * Appends entries and signs a new checkpoint; the caller holds the lock (withLogLock).
 * Refuses to extend a log whose checkpoint is not signed by `signer` or whose tiles do
 * not hash to its signed root: signing on top of either would vouch for them.
 */
export function appendLocked(dir: string, entries: readonly Uint8Array[], signer: NoteSigner): AppendResult {
  const previous = readCheckpoint(dir, [signer], signer.name);
  const size0 = previous?.size ?? 0;
  const src = new TileSource(dir, size0);
  const writes: [string, Buffer][] = [];
  const tree = TreeBuilder.resume(src, (t, index, hashes, full) => writes.push([tilePath(t, index, full ? TILE_WIDTH : hashes.length / HASH_SIZE), Buffer.from(hashes)]));
  if (previous && !tree.root().equals(previous.root)) throw new Error(`${dir}: the tiles do not hash to the signed checkpoint's root; refusing to extend a damaged log (run trust log verify)`);
  let bundle: Buffer[] = size0 % TILE_WIDTH ? src.bundleOf(size0).map(encodeEntry) : [];
  for (const e of entries) {
    bundle.push(encodeEntry(e));
    tree.addLeafHash(leafHash(e));
    if (bundle.length === TILE_WIDTH) {
      writes.push([entriesPath(Math.floor((tree.size - 1) / TILE_WIDTH)), Buffer.concat(bundle)]);
      bundle = [];
    }
  }
  tree.flushPartials();
  if (bundle.length) writes.push([entriesPath(Math.floor(tree.size / TILE_WIDTH), bundle.length), Buffer.concat(bundle)]);
  for (const [rel, data] of writes) writeFileAtomic(path.join(dir, rel), data);
  const root = tree.root();
  const checkpoint = signCheckpoint({ origin: signer.name, size: tree.size, root, extensions: [] }, signer);
  writeFileAtomic(path.join(dir, CHECKPOINT_FILE), checkpoint);
  return { firstIndex: size0, size: tree.size, root, checkpoint };
}

export async function append(dir: string, entries: readonly Uint8Array[], signer: NoteSigner): Promise<AppendResult> {
  return withLogLock(dir, () => appendLocked(dir, entries, signer));
}

export interface VerifyLogResult {
  ok: boolean;
  size: number;
  root: string;
  /** The first problem found, one line. */
  reason?: string;
  /** When ok: the checkpoint verified (read once: the one every figure derived from this pass is backed by). */
  checkpoint?: Checkpoint;
  /** When ok and asked for (`keepTiles`): the tiles recomputed from the entries, equal to the stored ones, to prove from. */
  tiles?: LogFiles;
}

/**
 * Recomputes the whole tree from the entry bundles: every entry's leaf hash, every tile
 * (compared byte for byte with the stored one, partial tiles included) and the root,
 * which must be the one the checkpoint signs with a pinned key. `checkEntry` may reject
 * an entry's content (the CLI checks every leaf is a well-formed typed leaf). The log is
 * a directory or files already read (the log a site publishes); each file is read once.
 * `keepTiles` keeps the recomputed tiles: proofs drawn from them need no second read of a
 * log that could have changed since it was verified.
 */
export function verifyLog(
  source: string | LogFiles,
  verifiers: readonly NoteVerifier[],
  opts: { origin?: string; checkEntry?: (entry: Buffer, index: number) => string | null; keepTiles?: boolean } = {},
): VerifyLogResult {
  const files = typeof source === 'string' ? dirFiles(source) : source;
  const note = files.read(CHECKPOINT_FILE);
  if (!note) return { ok: false, size: 0, root: '', reason: `${path.join(files.where, CHECKPOINT_FILE)} is missing: not a log, or an empty one` };
  let cp: Checkpoint;
  try {
    cp = openCheckpoint(note.toString('utf8'), verifiers, opts.origin);
  } catch (e) {
    return { ok: false, size: 0, root: '', reason: `${path.join(files.where, CHECKPOINT_FILE)}: ${(e as Error).message}` };
  }
  const size = cp.size;
  const fail = (reason: string): VerifyLogResult => ({ ok: false, size, root: cp.root.toString('base64'), reason });
  const mismatch: string[] = [];
  const kept = new Map<string, Buffer>();
  const tree = new TreeBuilder(0, (t, index, hashes, full) => {
    if (mismatch.length) return;
    const rel = tilePath(t, index, full ? TILE_WIDTH : hashes.length / HASH_SIZE);
    const stored = files.read(rel);
    if (!stored) mismatch.push(`${rel} is missing`);
    else if (!stored.equals(hashes)) mismatch.push(`${rel} does not match the hashes recomputed from the entries`);
    else if (opts.keepTiles) kept.set(rel, Buffer.from(hashes));
  });
  const bundles = Math.ceil(size / TILE_WIDTH);
  for (let b = 0; b < bundles; b++) {
    const width = b < Math.floor(size / TILE_WIDTH) ? TILE_WIDTH : size % TILE_WIDTH;
    const rel = entriesPath(b, width);
    const data = files.read(rel);
    if (!data) return fail(`${rel} is missing (the checkpoint signs ${size} entries)`);
    let entries: Buffer[];
    try {
      entries = parseBundle(data);
    } catch (e) {
      return fail(`${rel}: ${(e as Error).message}`);
    }
    if (entries.length !== width) return fail(`${rel} holds ${entries.length} entries, expected ${width}`);
    for (let i = 0; i < entries.length; i++) {
      if (opts.checkEntry) {
        const bad = opts.checkEntry(entries[i], b * TILE_WIDTH + i);
        if (bad) return fail(`entry ${b * TILE_WIDTH + i}: ${bad}`);
      }
      tree.addLeafHash(leafHash(entries[i]));
    }
    if (mismatch.length) return fail(mismatch[0]);
  }
  tree.flushPartials();
  if (mismatch.length) return fail(mismatch[0]);
  if (!tree.root().equals(cp.root)) return fail(`the entries hash to root ${tree.root().toString('base64')}, the checkpoint signs ${cp.root.toString('base64')}`);
  return { ok: true, size, root: cp.root.toString('base64'), checkpoint: cp, ...(opts.keepTiles ? { tiles: memoryFiles(kept, `${files.where} (verified tiles)`) } : {}) };
}

/** Inclusion proof of leaf `index` in the tree of `size` (default: the checkpoint's), read from the tiles. */
export function proveInclusion(dir: string, index: number, size: number): Buffer[] {
  return inclusionProof(new TileSource(dir, size), index, size);
}

export function proveConsistency(dir: string, size1: number, size2: number): Buffer[] {
  return consistencyProof(new TileSource(dir, size2), size1, size2);
}

/** The checkpoint's size without verifying its signature (for messages only). */
export function unverifiedSize(dir: string): number {
  const note = readCheckpointNote(dir);
  if (!note) return 0;
  return parseCheckpointText(parseNote(note).text).size;
}

export { foldHashes };
