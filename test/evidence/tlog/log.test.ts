/**
 * Signed notes against real vectors (the C2SP signed-note spec's example and Go's
 * golang.org/x/mod/sumdb/note tests), checkpoints, tiles round trip, and tampering.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leafHash, naiveRoot } from '../../../evidence/tlog/hash.ts';
import { noteSigner, openNote, parseVerifierKey, privateKeyFromSeed, signNote, verifierKeyString } from '../../../evidence/tlog/note.ts';
import { openCheckpoint, signCheckpoint } from '../../../evidence/tlog/checkpoint.ts';
import { append, appendLocked, proveConsistency, proveInclusion, readCheckpoint, verifyLog, withLogLock } from '../../../evidence/tlog/log.ts';
import { verifyConsistency, verifyInclusion } from '../../../evidence/tlog/proof.ts';
import { encodeIndex, entriesPath, tilePath } from '../../../evidence/tlog/tiles.ts';
import { decodeLeaf, encodeLeaf } from '../../../evidence/tlog/leaves.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tlog-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('signed-note', () => {
  it('verifies the example of the C2SP signed-note spec', () => {
    const v = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    const note = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
    expect(openNote(note, [v]).text).toBe('This is an example message.\n');
    expect(() => openNote(note.replace('example message', 'exemple message'), [v])).toThrow(/invalid signature/);
  });
  it("signs byte for byte as Go's sumdb/note does (PeterNeumann vector)", () => {
    // golang.org/x/mod sumdb/note/note_test.go TestSign: PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK... (0x01 || seed).
    const seed = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
    const signer = noteSigner('PeterNeumann', privateKeyFromSeed(seed));
    expect(verifierKeyString(signer)).toBe('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    expect(signNote(text, signer)).toBe(`${text}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`);
  });
  it('ignores unknown keys, and needs one known signature', () => {
    const a = noteSigner('a.example/log', generateKeyPairSync('ed25519').privateKey);
    const b = noteSigner('b.example/log', generateKeyPairSync('ed25519').privateKey);
    const note = signNote('hello\n', a);
    expect(() => openNote(note, [b])).toThrow(/no signature by a known key/);
    const both = note + signNote('hello\n', b).split('\n\n')[1];
    expect(openNote(both, [b]).verifiedBy[0].name).toBe('b.example/log');
  });
});

describe('tlog-checkpoint', () => {
  it('round-trips and rejects a forged size', () => {
    const s = noteSigner('example.com/log', generateKeyPairSync('ed25519').privateKey);
    const note = signCheckpoint({ origin: 'example.com/log', size: 3, root: leafHash(Buffer.from('x')), extensions: [] }, s);
    expect(note.split('\n').slice(0, 2)).toEqual(['example.com/log', '3']);
    expect(openCheckpoint(note, [s], 'example.com/log').size).toBe(3);
    expect(() => openCheckpoint(note.replace('\n3\n', '\n4\n'), [s])).toThrow(/invalid signature/);
  });
});

describe('tlog-tiles storage', () => {
  const signer = noteSigner('example.com/test-log', generateKeyPairSync('ed25519').privateKey);
  const entry = (i: number) => Buffer.from(`{"i":${i}}`);
  it('encodes tile paths as the spec does', () => {
    expect(encodeIndex(1234067)).toBe('x001/x234/067');
    expect(tilePath(0, 5, 3)).toBe('tile/0/005.p/3');
    expect(entriesPath(1000)).toBe('tile/entries/x001/000');
  });
  it('appends in batches to the same tree as one pass, with verifiable proofs and a full verification', async () => {
    const dir = tmp();
    const all = Array.from({ length: 70_000 }, (_, i) => entry(i));
    // Batches that cross tile boundaries at every level.
    for (const [a, b] of [
      [0, 1],
      [1, 255],
      [255, 256],
      [256, 600],
      [600, 65_536],
      [65_536, 65_537],
      [65_537, 70_000],
    ])
      await append(dir, all.slice(a, b), signer);
    const cp = readCheckpoint(dir, [signer])!;
    expect(cp.size).toBe(70_000);
    expect(cp.root).toEqual(naiveRoot(all.map(leafHash)));
    // The example of the spec: 273 full level-0 tiles, partial of width 112; level 1 partial 17; level 2 partial 1.
    expect(existsSync(path.join(dir, 'tile/0/273.p/112'))).toBe(true);
    expect(existsSync(path.join(dir, 'tile/1/001.p/17'))).toBe(true);
    expect(existsSync(path.join(dir, 'tile/2/000.p/1'))).toBe(true);
    expect(verifyLog(dir, [signer])).toMatchObject({ ok: true, size: 70_000 });
    for (const m of [0, 255, 256, 65_535, 69_999]) expect(verifyInclusion(m, 70_000, leafHash(all[m]), proveInclusion(dir, m, 70_000), cp.root)).toBe(true);
    const root600 = naiveRoot(all.slice(0, 600).map(leafHash));
    expect(verifyConsistency(600, 70_000, proveConsistency(dir, 600, 70_000), root600, cp.root)).toBe(true);
  });

  describe('tampering fails verification', () => {
    const build = async () => {
      const dir = tmp();
      await append(
        dir,
        Array.from({ length: 600 }, (_, i) => entry(i)),
        signer,
      );
      return dir;
    };
    it('a changed leaf', async () => {
      const dir = await build();
      const f = path.join(dir, entriesPath(1));
      writeFileSync(f, readFileSync(f, 'utf8').replace('{"i":300}', '{"i":301}'));
      expect(verifyLog(dir, [signer]).reason).toMatch(/tile\/0\/001 does not match/);
    });
    it('a changed leaf with its tiles recomputed (only the signed root catches it)', async () => {
      const dir = await build();
      const f = path.join(dir, entriesPath(2, 88));
      writeFileSync(f, readFileSync(f, 'utf8').replace('{"i":599}', '{"i":598}'));
      const forged = tmp();
      // Rebuild the tiles from the altered entries in another log, and copy them over.
      const { parseBundle } = await import('../../../evidence/tlog/tiles.ts');
      const entries = [0, 1].flatMap((b) => parseBundle(readFileSync(path.join(dir, entriesPath(b))))).concat(parseBundle(readFileSync(f)));
      await append(forged, entries, noteSigner('example.com/test-log', generateKeyPairSync('ed25519').privateKey));
      for (const rel of ['tile/0/002.p/88', 'tile/1/000.p/2']) writeFileSync(path.join(dir, rel), readFileSync(path.join(forged, rel)));
      expect(verifyLog(dir, [signer]).reason).toMatch(/the entries hash to root .* the checkpoint signs/);
      await expect(append(dir, [entry(600)], signer)).rejects.toThrow(/tiles do not hash to the signed checkpoint's root/);
    });
    it('a truncated log', async () => {
      const dir = await build();
      unlinkSync(path.join(dir, entriesPath(2, 88)));
      expect(verifyLog(dir, [signer]).reason).toMatch(/tile\/entries\/002.p\/88 is missing/);
      const dir2 = await build();
      truncateSync(path.join(dir2, entriesPath(0)), 100);
      expect(verifyLog(dir2, [signer]).ok).toBe(false);
    });
    it('an inconsistent checkpoint', async () => {
      const dir = await build();
      const old = readCheckpoint(dir, [signer])!;
      // A fork: the same signer signs a different history of the same size plus one.
      const fork = tmp();
      await append(fork, [entry(-1), ...Array.from({ length: 600 }, (_, i) => entry(i + 1))], signer);
      const forked = readCheckpoint(fork, [signer])!;
      expect(verifyConsistency(600, 601, proveConsistency(fork, 600, 601), old.root, forked.root)).toBe(false);
      // A checkpoint whose root is not the tiles' root, signed by another key, or by no pinned key.
      writeFileSync(path.join(dir, 'checkpoint'), signCheckpoint({ ...old, root: forked.root }, signer));
      expect(verifyLog(dir, [signer]).reason).toMatch(/the checkpoint signs/);
      const other = noteSigner('example.com/test-log', generateKeyPairSync('ed25519').privateKey);
      writeFileSync(path.join(dir, 'checkpoint'), signCheckpoint(old, other));
      expect(verifyLog(dir, [signer]).reason).toMatch(/no signature by a known key/);
    });
  });

  it('serialises appenders with a lock and fails cleanly when it is held too long', async () => {
    const dir = tmp();
    let release!: () => void;
    const held = withLogLock(
      dir,
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
    );
    await new Promise((r) => setTimeout(r, 20));
    await expect(withLogLock(dir, () => 1, 100)).rejects.toThrow(/is locked by process \d+ .*another run is appending/);
    const waiting = append(dir, [entry(1)], signer);
    release();
    await held;
    expect((await waiting).size).toBe(1);
    expect(appendLocked(dir, [entry(2)], signer).size).toBe(2);
  });
});

describe('leaves', () => {
  it('are canonical JSON of a known kind', () => {
    const b = encodeLeaf({ kind: 'audit-head', v: 1, database: 'postgres:1/x', seq: 5, hash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z' });
    expect(b.toString()).toBe('{"at":"2026-01-01T00:00:00.000Z","database":"postgres:1/x","hash":"' + 'a'.repeat(64) + '","kind":"audit-head","seq":5,"v":1}');
    expect(decodeLeaf(b).kind).toBe('audit-head');
    expect(() => decodeLeaf(Buffer.from('{"kind":"audit-head", "v":1}'))).toThrow(/not a log leaf/);
  });
});
