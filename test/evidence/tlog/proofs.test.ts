/**
 * Merkle hashing and proofs against transparency-dev/merkle's vectors
 * (test/fixtures/tlog/merkle-vectors.json names the commit), and against the plain
 * recursive definitions for every tree up to 70 leaves.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMPTY_ROOT, leafHash, naiveRoot, nodeHash } from '../../../evidence/tlog/hash.ts';
import { consistencyProof, inclusionProof, memorySource, rootHash, verifyConsistency, verifyInclusion } from '../../../evidence/tlog/proof.ts';
import { syntheticSource } from '../../../evidence/tlog/synthetic.ts';

const vectors = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../fixtures/tlog/merkle-vectors.json'), 'utf8')) as {
  inclusion: { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean; file: string }[];
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean; file: string }[];
};
const b64 = (s: string | null | undefined): Buffer => Buffer.from(s ?? '', 'base64');

// transparency-dev/merkle testonly/constants.go: leaf inputs and the roots of every prefix.
const INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 hashing', () => {
  it('gives the reference roots of every prefix of the reference leaves', () => {
    const leaves = INPUTS.map(leafHash);
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
    for (let n = 0; n <= 8; n++) {
      expect(naiveRoot(leaves.slice(0, n)).toString('hex')).toBe(ROOTS[n]);
      expect(rootHash(memorySource(leaves), n).toString('hex')).toBe(ROOTS[n]);
    }
  });
  it('separates leaves from nodes', () => {
    const a = leafHash(Buffer.from('a'));
    expect(leafHash(Buffer.concat([a, a]))).not.toEqual(nodeHash(a, a));
  });
});

describe('inclusion proofs (transparency-dev vectors)', () => {
  for (const v of vectors.inclusion) {
    it(`${v.file}: ${v.wantErr ? 'rejects' : 'accepts'}`, () => {
      expect(verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root))).toBe(!v.wantErr);
    });
  }
  it("generates the vectors' happy-path proofs", () => {
    const leaves = INPUTS.map(leafHash);
    for (const v of vectors.inclusion.filter((x) => !x.wantErr && x.treeSize <= 8)) {
      expect(inclusionProof(memorySource(leaves), v.leafIdx, v.treeSize).map((p) => p.toString('base64'))).toEqual(v.proof ?? []);
    }
  });
});

describe('consistency proofs (transparency-dev vectors)', () => {
  for (const v of vectors.consistency) {
    it(`${v.file}: ${v.wantErr ? 'rejects' : 'accepts'}`, () => {
      expect(verifyConsistency(v.size1, v.size2, (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2))).toBe(!v.wantErr);
    });
  }
  it("generates the vectors' happy-path proofs", () => {
    const leaves = INPUTS.map(leafHash);
    for (const v of vectors.consistency.filter((x) => !x.wantErr && x.size2 <= 8 && x.size1 > 0)) {
      expect(consistencyProof(memorySource(leaves), v.size1, v.size2).map((p) => p.toString('base64'))).toEqual(v.proof ?? []);
    }
  });
});

describe('proofs against the plain definitions', () => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  it('every inclusion proof of every tree up to 70 leaves verifies, and fails for another leaf or root', () => {
    for (let n = 1; n <= 70; n++) {
      const root = naiveRoot(leaves.slice(0, n));
      for (let m = 0; m < n; m++) {
        const p = inclusionProof(memorySource(leaves), m, n);
        expect(verifyInclusion(m, n, leaves[m], p, root)).toBe(true);
        if (n > 1) expect(verifyInclusion(m, n, leaves[(m + 1) % n], p, root)).toBe(false);
        expect(verifyInclusion(m, n, leaves[m], p, leafHash(Buffer.from('another root')))).toBe(false);
      }
    }
  });
  it('every consistency proof between trees up to 70 leaves verifies, and fails against a forked tree', () => {
    const forked = [...leaves];
    forked[3] = leafHash(Buffer.from('rewritten'));
    for (let n2 = 1; n2 <= 70; n2++) {
      const root2 = naiveRoot(leaves.slice(0, n2));
      for (let n1 = 1; n1 <= n2; n1++) {
        const root1 = naiveRoot(leaves.slice(0, n1));
        const p = consistencyProof(memorySource(leaves), n1, n2);
        expect(verifyConsistency(n1, n2, p, root1, root2)).toBe(true);
        if (n1 > 3 && n1 < n2) expect(verifyConsistency(n1, n2, p, naiveRoot(forked.slice(0, n1)), root2)).toBe(false);
      }
    }
  });
});

describe("synthetic tree (the benchmark's shortcut)", () => {
  it('computes the same subtree hashes as the plain way', () => {
    // Leaves outside the window all share one payload, so their subtrees are computed once per level.
    const size = 300;
    const src = syntheticSource(size, 100, 140);
    const plain = Array.from({ length: size }, (_, i) => leafHash(src.leafData(i)));
    expect(rootHash(src, size)).toEqual(naiveRoot(plain));
    for (const m of [0, 99, 100, 120, 139, 140, 299]) expect(inclusionProof(src, m, size)).toEqual(inclusionProof(memorySource(plain), m, size));
    for (const [a, b] of [
      [1, 300],
      [120, 257],
      [139, 140],
      [256, 300],
    ])
      expect(consistencyProof(src, a, b)).toEqual(consistencyProof(memorySource(plain), a, b));
  });
});
