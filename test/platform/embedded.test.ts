import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { dataRoot, grantTraverse, sharedBuffersMb, startEmbedded } from '../../platform/db/embedded.ts';

// A fresh checkout where a key store ran first (`trust demo` against DATABASE_URL, then
// `npm start`): the data root exists and is private to root. The server, which runs as
// its own system user, must still be able to start under it.
it('starts under a data root that a key store already created 0700', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'trust-embedded-'));
  chmodSync(root, 0o755); // like a checkout; mkdtemp makes it private
  mkdirSync(path.join(root, '.data', 'keys'), { recursive: true, mode: 0o700 });
  const saved = process.env.TRUST_DATA_DIR;
  delete process.env.TRUST_DATA_DIR; // the suite's own cluster lives there
  const cluster = await startEmbedded({ root });
  try {
    expect(dataRoot(root)).toBe(path.join(root, '.data'));
    const c = new pg.Client({ connectionString: cluster.adminUrl });
    await c.connect();
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await c.end();
  } finally {
    await cluster.stop();
    if (saved !== undefined) process.env.TRUST_DATA_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);

it('starts under a private (0700) parent as root: traverse is granted to reach the data, not reading', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'trust-embedded-private-')); // 0700: postgres could not pass
  const saved = process.env.TRUST_DATA_DIR;
  delete process.env.TRUST_DATA_DIR;
  try {
    const cluster = await startEmbedded({ root });
    await cluster.stop();
    if (process.getuid?.() === 0) expect(statSync(root).mode & 0o777).toBe(0o701);
  } finally {
    if (saved !== undefined) process.env.TRUST_DATA_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);

// A clone in root's home (0700) stopped the server's system user before initdb could start
// (EACCES, found on a fresh debootstrap machine): traverse is granted, reading is not.
it('grants traverse only, and only where it is missing, on the way to the binaries and data', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'trust-traverse-'));
  try {
    const home = path.join(base, 'home');
    const deep = path.join(home, 'proj', 'node_modules');
    mkdirSync(deep, { recursive: true });
    chmodSync(home, 0o700);
    chmodSync(base, 0o755);
    const changed = grantTraverse([deep]);
    expect(changed).toContain(home);
    expect(changed).not.toContain(base);
    expect(statSync(home).mode & 0o777).toBe(0o701);
    expect(grantTraverse([deep])).toEqual([]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

it('sizes shared buffers to an eighth of memory, between 128 MB and 1 GB', () => {
  const gb = 2 ** 30;
  expect(sharedBuffersMb(24 * gb)).toBe(1024);
  expect(sharedBuffersMb(4 * gb)).toBe(512);
  expect(sharedBuffersMb(512 * 2 ** 20)).toBe(128);
});
