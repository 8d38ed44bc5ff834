import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { dataRoot, startEmbedded } from '../../platform/db/embedded.ts';

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

it('says which directory the server cannot reach, instead of failing deep inside initdb', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'trust-embedded-private-')); // 0700: postgres cannot pass
  const saved = process.env.TRUST_DATA_DIR;
  delete process.env.TRUST_DATA_DIR;
  try {
    await expect(startEmbedded({ root })).rejects.toThrow(expect.objectContaining({
      exitCode: 2,
      message: expect.stringMatching(/\.data\/pg: the embedded PostgreSQL runs as the system user "postgres", which cannot reach this directory/),
    }));
  } finally {
    if (saved !== undefined) process.env.TRUST_DATA_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
