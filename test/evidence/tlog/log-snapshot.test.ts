/**
 * The log the site publishes: every file of the previous snapshot (older partial tiles too),
 * read from the log directory, and only when it extends the checkpoint the run's receipt holds.
 */
import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { append } from '../../../evidence/tlog/log.ts';
import { noteSigner } from '../../../evidence/tlog/note.ts';
import { publishedLog, snapshotLog } from '../../../evidence/site/log-snapshot.ts';

const key = generateKeyPairSync('ed25519').privateKey;
const signer = noteSigner('example.test/log', key);
const leaves = (n: number, from: number, tag = 'leaf') => Array.from({ length: n }, (_, i) => Buffer.from(`${tag} ${from + i}`));
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'tlog-snap-'));

it('a later snapshot is a superset of an earlier one, so a reader of either can prove consistency', async () => {
  const dir = tmp();
  await append(dir, leaves(6, 0), signer);
  const first = snapshotLog(dir)!;
  await append(dir, leaves(300, 6), signer); // fills tile 0 (256) and starts tile 1
  const second = snapshotLog(dir)!;
  const names = new Set(second.files.map((f) => f.name));
  expect(first.files.map((f) => f.name).filter((n) => !names.has(n))).toEqual([]);
  expect(names.has('tile/0/000.p/6')).toBe(true);
  expect(names.has('tile/0/000')).toBe(true);
  expect(second.size).toBe(306);
});

describe("publishedLog: the log beside a run's set", () => {
  /** A run's receipt directory (the set's log/) holding the checkpoint its append signed. */
  function receipt(checkpoint: string): string {
    const d = path.join(tmp(), 'log');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'checkpoint'), checkpoint);
    return d;
  }
  const pub = createPublicKey(key);

  it("publishes the latest checkpoint of the log directory when it extends the run's", async () => {
    const dir = tmp();
    const run = await append(dir, leaves(5, 0), signer);
    const set = receipt(run.checkpoint);
    expect(publishedLog(set, dir, pub)!.size).toBe(5);
    await append(dir, leaves(300, 5), signer); // later runs
    const snap = publishedLog(set, dir, pub)!;
    expect(snap.size).toBe(305);
    expect(snap.files.find((f) => f.name === 'checkpoint')!.data.toString()).toContain('\n305\n');
    expect(snap.files.some((f) => f.name === 'tile/entries/000')).toBe(true);
  });

  it('is null for a run not recorded in a log (no receipt)', () => {
    expect(publishedLog(path.join(tmp(), 'log'), tmp(), pub)).toBeNull();
  });

  it('refuses, in one line, a missing log, another or rewritten log, a rolled-back log and another key', async () => {
    const dir = tmp();
    const run = await append(dir, leaves(5, 0), signer);
    const set = receipt(run.checkpoint);
    expect(() => publishedLog(set, path.join(tmp(), 'none'), pub)).toThrow(/holds no log; set TRUST_LOG_DIR/);
    // The same key, the same size and more, other entries: not the log the run was recorded in.
    const other = tmp();
    await append(other, leaves(5, 0, 'other'), signer);
    expect(() => publishedLog(set, other, pub)).toThrow(/not an extension of the checkpoint the run was recorded in \(size 5\)/);
    await append(other, leaves(20, 5), signer);
    expect(() => publishedLog(set, other, pub)).toThrow(/not an extension/);
    // Rolled back: the run's checkpoint is newer than the log.
    const grown = await append(dir, leaves(3, 5), signer);
    const older = tmp();
    await append(older, leaves(5, 0), signer);
    expect(() => publishedLog(receipt(grown.checkpoint), older, pub)).toThrow(/older than the checkpoint the run was recorded in/);
    // Signed by another key than the bundle's.
    expect(() => publishedLog(set, dir, createPublicKey(generateKeyPairSync('ed25519').privateKey))).toThrow(/checkpoint.*bundle's key/);
  });

  it('reads the log from a set written before receipts (log/ holding the tiles) when the directory has none', async () => {
    const dir = tmp();
    await append(dir, leaves(7, 0), signer);
    const old = path.join(tmp(), 'log');
    cpSync(dir, old, { recursive: true });
    expect(publishedLog(old, path.join(tmp(), 'none'), pub)!.size).toBe(7);
  });
});
