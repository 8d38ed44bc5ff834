/**
 * Applied migrations are never edited: an append-only audit table is only credible if the
 * migration history is too. platform/db/migration-checksums.json records the SHA-256 of
 * every migration (kept outside platform/migrations/, which node-pg-migrate reads whole).
 * The baseline is the tree as of issue 18 (0003 and 0005 had already been edited after
 * they were committed; their current bytes are what is recorded). A new migration is
 * recorded when it is added, by adding its line; a recorded line never changes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'platform', 'migrations');
const recorded = JSON.parse(readFileSync(path.join(root, 'platform', 'db', 'migration-checksums.json'), 'utf8')) as Record<string, string>;
const files = readdirSync(dir)
  .filter((f) => /\.(sql|ts|js|cjs|mjs)$/.test(f))
  .sort();
const sha256 = (f: string) =>
  createHash('sha256')
    .update(readFileSync(path.join(dir, f)))
    .digest('hex');

describe('migrations are never edited once recorded', () => {
  it('every recorded migration still exists with the same bytes', () => {
    const changed = Object.entries(recorded)
      .filter(([f, sum]) => !files.includes(f) || sha256(f) !== sum)
      .map(([f]) => f);
    expect(changed, 'write a new migration instead of editing (or removing) a recorded one').toEqual([]);
  });

  it('every migration is recorded', () => {
    expect(
      files.filter((f) => !(f in recorded)),
      "add the new migration's SHA-256 to platform/db/migration-checksums.json",
    ).toEqual([]);
  });
});
