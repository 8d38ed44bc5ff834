/**
 * A synthetic tree for benchmarks, of any size, whose subtree hashes cost little: every
 * leaf outside a window [from, to) carries the same payload, so every complete subtree
 * outside the window has one hash per level (computed once), and only subtrees touching
 * the window are hashed leaf by leaf. Proofs over it are real RFC 9162 proofs of a real
 * (if repetitive) tree; verifying one costs what it costs on any tree of that size.
 * A test checks it against the plain computation.
 */
import { leafHash, nodeHash } from './hash.ts';
import type { NodeSource } from './proof.ts';

export interface SyntheticSource extends NodeSource {
  size: number;
  leafData(i: number): Buffer;
}

export function syntheticSource(size: number, from: number, to: number): SyntheticSource {
  const filler = Buffer.from('{"kind":"filler"}');
  const leafData = (i: number): Buffer => (i >= from && i < to ? Buffer.from(`{"kind":"synthetic","i":${i}}`) : filler);
  const uniform: Buffer[] = [leafHash(filler)];
  const memo = new Map<string, Buffer>();
  const node = (level: number, index: number): Buffer => {
    const start = index * 2 ** level;
    const end = start + 2 ** level;
    if (end <= from || start >= to) {
      while (uniform.length <= level) uniform.push(nodeHash(uniform[uniform.length - 1], uniform[uniform.length - 1]));
      return uniform[level];
    }
    if (level === 0) return leafHash(leafData(index));
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (!h) memo.set(key, (h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))));
    return h;
  };
  return { size, node, leafData };
}
