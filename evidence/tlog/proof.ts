/**
 * Inclusion and consistency proofs, RFC 9162 §2.1.3 and §2.1.4.
 *
 * Generation follows the recursive PATH and SUBPROOF definitions, asking a `NodeSource`
 * only for hashes of complete, aligned subtrees (level L, index i covers leaves
 * [i·2^L, (i+1)·2^L)). A ragged right edge is folded from the complete subtrees it is
 * made of, exactly as MTH splits it, so a source never needs an incomplete subtree: tiles
 * hold complete subtrees only, and a synthetic tree can compute just the ones asked for.
 *
 * Verification is the iterative algorithm of §2.1.3.2 and §2.1.4.2, log2(n) node hashes.
 * Tree sizes are JS numbers: exact up to 2^53 leaves, far beyond any log we write.
 */
import { EMPTY_ROOT, HASH_SIZE, largestPowerOfTwoBelow, nodeHash } from './hash.ts';

export interface NodeSource {
  /** Hash of the complete subtree at `level` with index `index`. */
  node(level: number, index: number): Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[start:end]); `start` must be aligned as MTH's own splits align it (multiple of the left part). */
export function rangeHash(src: NodeSource, start: number, end: number): Buffer {
  const n = end - start;
  if (n <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n) && start % n === 0) return src.node(Math.log2(n), start / n);
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(rangeHash(src, start, start + k), rangeHash(src, start + k, end));
}

export function rootHash(src: NodeSource, size: number): Buffer {
  return rangeHash(src, 0, size);
}

/** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1. */
function path(src: NodeSource, m: number, start: number, end: number, out: Buffer[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = largestPowerOfTwoBelow(n);
  if (m < k) {
    path(src, m, start, start + k, out);
    out.push(rangeHash(src, start + k, end));
  } else {
    path(src, m - k, start + k, end, out);
    out.push(rangeHash(src, start, start + k));
  }
}

export function inclusionProof(src: NodeSource, index: number, size: number): Buffer[] {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const out: Buffer[] = [];
  path(src, index, 0, size, out);
  return out;
}

/** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1. */
function subproof(src: NodeSource, m: number, start: number, end: number, b: boolean, out: Buffer[]): void {
  const n = end - start;
  if (m === n) {
    if (!b) out.push(rangeHash(src, start, end));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(src, m, start, start + k, b, out);
    out.push(rangeHash(src, start + k, end));
  } else {
    subproof(src, m - k, start + k, end, false, out);
    out.push(rangeHash(src, start, start + k));
  }
}

export function consistencyProof(src: NodeSource, size1: number, size2: number): Buffer[] {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2)) throw new RangeError(`no consistency proof from size ${size1} to size ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const out: Buffer[] = [];
  subproof(src, size1, 0, size2, true, out);
  return out;
}

const odd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === HASH_SIZE && b.length === HASH_SIZE && Buffer.compare(a, b) === 0;
}

/** RFC 9162 §2.1.3.2. True only when `leaf` is leaf `index` of the tree of `size` with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) return false;
  if (leaf.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(r, root);
}

/** RFC 9162 §2.1.4.2. True only when the tree of size1 with root1 is a prefix of the tree of size2 with root2. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2)) || size1 < 0 || size2 < size1) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  // Every tree extends the empty one: no proof says anything about it, so none is accepted
  // (as transparency-dev/merkle decides; callers never ask).
  if (size1 === 0) return false;
  if (size1 === size2) return proof.length === 0 && Buffer.compare(root1, root2) === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn))
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameHash(fr, root1) && sameHash(sr, root2);
}

/** A NodeSource over leaf hashes held in memory, memoised (tests, small logs). */
export function memorySource(leaves: readonly Buffer[]): NodeSource {
  const memo = new Map<string, Buffer>();
  const node = (level: number, index: number): Buffer => {
    if (level === 0) {
      const h = leaves[index];
      if (!h) throw new RangeError(`no leaf ${index}`);
      return h;
    }
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (!h) {
      h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
      memo.set(key, h);
    }
    return h;
  };
  return { node };
}
