/** The log published with each run holds every file of the previous snapshot (older partial tiles too). */
import { expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { append } from '../../../evidence/tlog/log.ts';
import { noteSigner } from '../../../evidence/tlog/note.ts';
import { snapshotLog } from '../../../evidence/site/log-snapshot.ts';

it('a later snapshot is a superset of an earlier one, so a reader of either can prove consistency', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tlog-snap-'));
  const signer = noteSigner('example.test/log', generateKeyPairSync('ed25519').privateKey);
  const leaves = (n: number, from: number) => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${from + i}`));
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
