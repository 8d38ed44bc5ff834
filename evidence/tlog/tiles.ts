/**
 * C2SP tlog-tiles storage (c2sp.org/tlog-tiles) on a local directory:
 *   tile/<L>/<N>[.p/<W>]        hashes: level-0 tiles hold leaf hashes, a hash in a level-L
 *                               tile (L > 0) is the root of a full tile of level L-1
 *   tile/entries/<N>[.p/<W>]    entry bundles: big-endian uint16 length, then the entry
 *   checkpoint                  the signed checkpoint (the only file ever replaced)
 * Tiles are 256 hashes wide (height 8). <N> is written in 3-digit groups, all but the last
 * prefixed with "x" (1234067 -> x001/x234/067), so the tree is a plain directory that a
 * static file server or an object store serves as is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HASH_SIZE, nodeHash } from './hash.ts';
import type { NodeSource } from './proof.ts';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const MAX_ENTRY_BYTES = 0xffff;

export function encodeIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad tile index ${n}`);
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Path of a hash tile; width < 256 makes it a partial tile. */
export function tilePath(level: number, index: number, width = TILE_WIDTH): string {
  return `tile/${level}/${encodeIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

export function entriesPath(index: number, width = TILE_WIDTH): string {
  return `tile/entries/${encodeIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

/** Number of hashes at tile level `t` in a tree of `size` leaves: floor(size / 256^t). */
export function hashesAtLevel(size: number, t: number): number {
  return Math.floor(size / TILE_WIDTH ** t);
}

/** Splits an entry bundle into its entries; throws on a malformed bundle. */
export function parseBundle(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) throw new Error('entry bundle ends inside a length prefix');
    const len = data.readUInt16BE(at);
    if (at + 2 + len > data.length) throw new Error('entry bundle ends inside an entry');
    out.push(data.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}

export function encodeEntry(entry: Uint8Array): Buffer {
  if (entry.length > MAX_ENTRY_BYTES) throw new RangeError(`log entry of ${entry.length} bytes is larger than an entry bundle allows (65,535)`);
  const b = Buffer.alloc(2 + entry.length);
  b.writeUInt16BE(entry.length, 0);
  b.set(entry, 2);
  return b;
}

/** MTH of a power-of-two run of hashes packed in `buf` (the subtree they span). */
export function foldHashes(buf: Buffer, count: number): Buffer {
  let level: Buffer[] = [];
  for (let i = 0; i < count; i++) level.push(buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

/**
 * Where a log's files are read: its directory, or files already read into memory (the log a
 * site publishes, read once; the tiles a verification recomputed). `read` gives null for a
 * missing file; `where` names the source in messages.
 */
export interface LogFiles {
  where: string;
  read(rel: string): Buffer | null;
}

export function dirFiles(dir: string): LogFiles {
  return {
    where: dir,
    read: (rel) => {
      const file = path.join(dir, rel);
      return existsSync(file) ? readFileSync(file) : null;
    },
  };
}

/** Files by their path relative to the log directory (`tile/0/000`, `checkpoint`). */
export function memoryFiles(files: Iterable<readonly [string, Buffer]>, where: string): LogFiles {
  const byName = new Map(files);
  return { where, read: (rel) => byName.get(rel) ?? null };
}

/**
 * Complete-subtree hashes read from the tiles of a tree of `size` leaves. Node (L, i) with
 * L = 8t + r is the fold of 2^r consecutive hashes of one tile at tile level t.
 */
export class TileSource implements NodeSource {
  private readonly cache = new Map<string, Buffer>();
  private readonly files: LogFiles;

  constructor(
    source: string | LogFiles,
    readonly size: number,
  ) {
    this.files = typeof source === 'string' ? dirFiles(source) : source;
  }

  /** The stored hashes of tile (t, index) for this tree size, full or partial. */
  tile(t: number, index: number): Buffer {
    const full = hashesAtLevel(this.size, t + 1);
    const width = index < full ? TILE_WIDTH : hashesAtLevel(this.size, t) % TILE_WIDTH;
    if (index > full || width === 0) throw new RangeError(`tile ${t}/${index} is outside a tree of ${this.size} leaves`);
    const rel = tilePath(t, index, width);
    let data = this.cache.get(rel);
    if (!data) {
      const read = this.files.read(rel);
      if (!read) throw new Error(`${rel} is missing`);
      data = read;
      if (data.length !== width * HASH_SIZE) throw new Error(`${rel} holds ${data.length} bytes, expected ${width * HASH_SIZE}`);
      if (this.cache.size > 256) this.cache.clear();
      this.cache.set(rel, data);
    }
    return data;
  }

  node(level: number, index: number): Buffer {
    const t = Math.floor(level / TILE_HEIGHT);
    const r = level % TILE_HEIGHT;
    const first = index * 2 ** r;
    const tile = this.tile(t, Math.floor(first / TILE_WIDTH));
    const offset = first % TILE_WIDTH;
    if ((offset + 2 ** r) * HASH_SIZE > tile.length) throw new RangeError(`node ${level}/${index} is not complete in a tree of ${this.size} leaves`);
    return foldHashes(tile.subarray(offset * HASH_SIZE, (offset + 2 ** r) * HASH_SIZE), 2 ** r);
  }

  /** The entry bundle holding leaf `i`, parsed. */
  bundleOf(i: number): Buffer[] {
    const index = Math.floor(i / TILE_WIDTH);
    const full = hashesAtLevel(this.size, 1);
    const width = index < full ? TILE_WIDTH : this.size % TILE_WIDTH;
    const rel = entriesPath(index, width);
    const data = this.files.read(rel);
    if (!data) throw new Error(`${rel} is missing`);
    const entries = parseBundle(data);
    if (entries.length !== width) throw new Error(`${rel} holds ${entries.length} entries, expected ${width}`);
    return entries;
  }

  entry(i: number): Buffer {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`leaf ${i} is not in a log of ${this.size} entries`);
    return this.bundleOf(i)[i % TILE_WIDTH];
  }
}
