/**
 * One clock for every age (evidence/as-of.ts): the first run after filling the platform
 * measures no negative age, and two runs with the same --as-of write identical bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../helpers/db.ts';
import { runDemo } from '../../platform/demo/run.ts';
import { runGate } from '../../evidence/gate-run.ts';
import { parseAsOf } from '../../evidence/as-of.ts';
import { silentProgress } from '../../evidence/progress.ts';
import { InputError } from '../../platform/kernel/errors.ts';
import type { Database } from '../../platform/db/index.ts';
import { randomKeyringJson } from '../helpers/demo-database.ts';
import { saveEnv } from '../helpers/env.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENV = ['DATABASE_URL', 'TRUST_READER_URL', 'TRUST_RUNTIME_URL', 'TRUST_KEYRING', 'TRUST_SIGNING_KEY'] as const;
const restoreEnv = saveEnv(ENV);
let demo: Awaited<ReturnType<typeof createTestDatabase>>;
let first: { out: string };

/** Every negative number under a key that names a duration, and every "-0." or "-1 day" in text. */
export function negativeDurations(value: unknown, at = ''): string[] {
  const words = (k: string) => new Set((k.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? []).map((w) => w.toLowerCase()));
  const DURATION = ['hour', 'hours', 'day', 'days', 'age', 'aged', 'ago', 'seconds', 'minutes'];
  if (Array.isArray(value)) return value.flatMap((v, i) => negativeDurations(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const here = `${at}.${k}`;
      const own = typeof v === 'number' && v < 0 && DURATION.some((w) => words(k).has(w)) ? [`${here} = ${v}`] : [];
      return [...own, ...negativeDurations(v, here)];
    });
  }
  if (typeof value === 'string' && /(^|[\s(])-\d+(\.\d+)?\s*(hour|day|minute|second)s?\b|-0\.\d/.test(value)) return [`${at}: "${value.slice(0, 80)}"`];
  return [];
}

beforeAll(async () => {
  process.env.TRUST_KEYRING = randomKeyringJson();
  demo = await createTestDatabase();
  for (const k of ['TRUST_READER_URL', 'TRUST_RUNTIME_URL'] as const) delete process.env[k];
  process.env.DATABASE_URL = demo.adminUrl;
  // As `npm start` does: the run begins, then the platform is filled, then collected.
  const out = mkdtempSync(path.join(os.tmpdir(), 'trust-asof-first-'));
  await runGate({
    root: ROOT,
    outDir: out,
    progress: silentProgress,
    prepare: async (db: Database) => {
      await runDemo(db, { scale: 1, seed: 5, log: () => {} });
    },
  });
  first = { out };
}, 600_000);

afterAll(async () => {
  restoreEnv();
  await demo?.drop();
});

describe('the as-of clock', () => {
  it('the scanner finds what it must', () => {
    expect(negativeDurations({ a: { hoursSinceLastSuccess: -0.01 }, b: ['last succeeded -0.01 hour(s) ago'], ageDays: 3 })).toHaveLength(2);
  });

  it('the first run after filling the platform measures no negative age', () => {
    const bundle = JSON.parse(readFileSync(path.join(first.out, 'bundle.json'), 'utf8'));
    expect(negativeDurations(bundle)).toEqual([]);
    expect(readFileSync(path.join(first.out, 'report.md'), 'utf8')).not.toMatch(/-0\.\d+ hour|-1 day/);
  });

  it('two runs with the same --as-of write identical bundle, reports and OSCAL', async () => {
    const asOf = new Date(Date.now() + 1000);
    const run = async () => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'trust-asof-'));
      await runGate({ root: ROOT, outDir: out, progress: silentProgress, asOf });
      return out;
    };
    const [a, b] = [await run(), await run()];
    const files = ['bundle.json', 'report.md', 'report.pdf', ...readdirSync(path.join(a, 'oscal')).map((f) => `oscal/${f}`)];
    expect(files.length).toBeGreaterThan(4);
    for (const f of files) expect(readFileSync(path.join(b, f)).equals(readFileSync(path.join(a, f))), f).toBe(true);
  }, 300_000);

  it("refuses an as-of before the platform's latest activity, or not an instant", async () => {
    const err = await runGate({ root: ROOT, outDir: mkdtempSync(path.join(os.tmpdir(), 'trust-asof-old-')), progress: silentProgress, asOf: new Date('2001-01-01T00:00:00Z') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^--as-of 2001-01-01T00:00:00\.000Z is before the platform's latest recorded activity/);
    expect(() => parseAsOf('2026-01-01')).toThrow(/not an ISO 8601 instant with a zone/);
  }, 120_000);
});
