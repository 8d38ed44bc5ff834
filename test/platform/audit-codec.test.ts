/**
 * The COPY binary codec (platform/audit/verify-copy-codec.ts) is a speed trick: with
 * TRUST_AUDIT_COPY_CODEC=0 verification reads the chain row by row (verify-rows.ts), the
 * server printing each column as text. Both must give exactly the same result, field for
 * field, on an intact chain and on every kind of damage, in one pass and in parallel, from
 * genesis and from a checkpoint, and on single ranges taken as given.
 *
 * Fixtures as in audit.test.ts (platform events, characters COPY escapes, timestamps whose
 * text trims differently) and audit-parallel.test.ts (bulk events through the trigger,
 * damage by a superuser with the guards off).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { generateKeyPairSync } from 'node:crypto';
import { auditFixture, tamperAuditEvents, type TestDb } from './helpers.ts';
import { withClient } from '../helpers/db.ts';
import { verifyChain, type VerifyOptions, type VerifyResult } from '../../platform/audit/verify.ts';
import { verifyRange, type RangeResult } from '../../platform/audit/verify-ranges.ts';
import { copyCodecEnabled } from '../../platform/audit/verify-copy-codec.ts';
import { createCheckpoint } from '../../platform/audit/checkpoint.ts';
import { keyIdOf, type CheckpointKey } from '../../platform/audit/keys.ts';

let db: TestDb;
let accounts: string[];
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: CheckpointKey = { privateKey, publicKey, keyId: keyIdOf(publicKey), source: 'env' };

const superuser = (sql: string, params: unknown[] = []) => withClient(db.adminUrl, (c) => c.query(sql, params));
const tamper = (sql: string) => withClient(db.adminUrl, (c) => tamperAuditEvents(c, sql));

/** Runs `fn` on a fresh connection with the codec on or off; returns its result and the statements it sent. */
async function withCodec<T>(codec: boolean, url: string, fn: (c: pg.Client) => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const saved = process.env.TRUST_AUDIT_COPY_CODEC;
  if (codec) delete process.env.TRUST_AUDIT_COPY_CODEC;
  else process.env.TRUST_AUDIT_COPY_CODEC = '0';
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const sent: string[] = [];
  const query = c.query.bind(c) as (...args: unknown[]) => unknown;
  (c as unknown as { query: (...args: unknown[]) => unknown }).query = (q: unknown, ...rest: unknown[]) => {
    sent.push(typeof q === 'string' ? q : String((q as { text?: string }).text ?? ''));
    return query(q, ...rest);
  };
  try {
    return { result: await fn(c), sent };
  } finally {
    await c.end();
    if (saved === undefined) delete process.env.TRUST_AUDIT_COPY_CODEC;
    else process.env.TRUST_AUDIT_COPY_CODEC = saved;
  }
}

/** The codec's result and the plain path's, which must be equal; each path is seen to be the one taken. */
async function same<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const fast = await withCodec(true, url, fn);
  const plain = await withCodec(false, url, fn);
  expect(plain.result).toEqual(fast.result);
  expect(fast.sent.some((s) => s.includes('(FORMAT binary)'))).toBe(true);
  expect(plain.sent.some((s) => /^COPY/.test(s))).toBe(false);
  expect(plain.sent.some((s) => s.startsWith('DECLARE trust_verify_rows_'))).toBe(true);
  return fast.result;
}

const readerChain = (opts: VerifyOptions) => same(db.url('reader'), (c) => verifyChain(c, { trustedKeys: [publicKey], ownTransaction: true, ...opts }));

/** The whole chain, in one pass and with worker threads, from genesis and from the checkpoint. */
async function sameEverywhere(workers = [2]): Promise<VerifyResult> {
  const one = await readerChain({ from: 'genesis' });
  for (const count of workers) {
    expect(await readerChain({ from: 'genesis', workers: { connectionString: db.url('reader'), count, minEvents: 1 } }), `${count} worker(s)`).toEqual(one);
  }
  await readerChain({ from: 'checkpoint' });
  return one;
}

/** Single ranges, the first link taken as given or known, inside a REPEATABLE READ transaction as the workers run them. */
async function sameRanges(table = 'audit_events', url = db.url('reader')): Promise<RangeResult[]> {
  return same(url, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const out: RangeResult[] = [];
      for (const [from, to] of [
        [1, null],
        [2, 9],
        [10, 40],
        [41, null],
        [500, null],
      ] as const)
        out.push(await verifyRange(c, from, to, null, table));
      out.push(await verifyRange(c, 2, 30, Buffer.alloc(32), table));
      return out;
    } finally {
      await c.query('COMMIT');
    }
  });
}

beforeAll(async () => {
  ({ db, accounts } = await auditFixture());
  await superuser(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details)
    SELECT NULL, 'test:bulk', 'test.bulk', 'raw', g::text, jsonb_build_object('i', g, 's', E'tab\\there', 'nested', jsonb_build_object('a', ARRAY[1, 2])) FROM generate_series(1, 40) g`);
  const cp = await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key);
  expect(cp?.created).toBe(true);
  await superuser(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id) SELECT $1, 'test:after', 'test.after', 'raw', g::text FROM generate_series(1, 12) g`, [accounts[1]]);
});
afterAll(async () => {
  await db.drop();
});

describe('the COPY binary codec and the plain row-by-row path', () => {
  it('the switch: on unless TRUST_AUDIT_COPY_CODEC says 0, off, false or no', () => {
    expect(copyCodecEnabled({})).toBe(true);
    expect(copyCodecEnabled({ TRUST_AUDIT_COPY_CODEC: '1' })).toBe(true);
    for (const v of ['0', 'off', 'FALSE', ' no ']) expect(copyCodecEnabled({ TRUST_AUDIT_COPY_CODEC: v })).toBe(false);
  });

  it('an intact chain: the same result everywhere', async () => {
    const r = await sameEverywhere([1, 3]);
    expect(r.ok).toBe(true);
    expect(r.eventsVerified).toBeGreaterThan(60);
    const ranges = await sameRanges();
    expect(ranges[0].firstBroken).toBeUndefined();
    expect(ranges[1].firstPrev).toMatch(/^[0-9a-f]{64}$/);
    expect(ranges[4].verified).toBe(0);
    expect(ranges[5].firstBroken).toEqual({ seq: 2, reason: 'event 2 does not point at the hash of event 1' });
  });

  // On a copy of the intact chain, before the damage below.
  it('malformed rows (a copy without the constraints, as a detached month can be): the same result', async () => {
    await superuser(`CREATE TABLE fx_month AS SELECT * FROM audit_events; GRANT SELECT ON fx_month TO trust_reader`);
    const cases = [
      `UPDATE fx_month SET hash = substring(hash from 2) WHERE seq = 70`,
      `UPDATE fx_month SET prev_hash = NULL WHERE seq = 66`,
      `UPDATE fx_month SET occurred_at = '1999-12-31 23:59:59.5+00' WHERE seq = 62`,
      `UPDATE fx_month SET occurred_at = 'infinity' WHERE seq = 58`,
      `UPDATE fx_month SET occurred_at = NULL WHERE seq = 54`,
      `UPDATE fx_month SET details = NULL, actor = NULL WHERE seq = 50`,
      `INSERT INTO fx_month SELECT * FROM fx_month WHERE seq = 44`,
      `UPDATE fx_month SET seq = 0 WHERE seq = 37`,
    ];
    const seen = new Set<string>();
    for (const sql of cases) {
      await superuser(sql);
      const ranges = await sameRanges('fx_month', db.adminUrl);
      seen.add(ranges[0].firstBroken?.reason.replace(/\d+/g, 'N') ?? 'ok');
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  // Each damage sits before the last one, so each becomes the new first break.
  it.each([
    ['content altered', 60, (s: number) => `UPDATE audit_events SET details = details || '{"x": 1}' WHERE seq = ${s}`, 'was altered'],
    ['a field with escaped characters altered', 52, (s: number) => `UPDATE audit_events SET actor = E'x\\ty\\\\z' WHERE seq = ${s}`, 'was altered'],
    ['a timestamp moved by a microsecond', 45, (s: number) => `UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE seq = ${s}`, 'was altered'],
    ['an account changed', 40, (s: number) => `UPDATE audit_events SET account_id = '${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}' WHERE seq = ${s}`, 'was altered'],
    ['a link rewritten', 33, (s: number) => `UPDATE audit_events SET prev_hash = sha256(prev_hash) WHERE seq = ${s}`, 'does not point at'],
    ['a hash rewritten', 25, (s: number) => `UPDATE audit_events SET hash = sha256(hash) WHERE seq = ${s}`, 'was altered'],
    ['events deleted', 12, (s: number) => `DELETE FROM audit_events WHERE seq BETWEEN ${s} AND ${s + 1}`, 'missing or reordered'],
    ['the first event deleted', 1, (s: number) => `DELETE FROM audit_events WHERE seq = ${s}`, 'missing or reordered'],
  ])('%s: the same result everywhere', async (_name, seq, damage, reason) => {
    await tamper(damage(seq));
    const r = await sameEverywhere();
    expect(r.ok).toBe(false);
    expect(r.firstBroken?.reason).toContain(reason);
    await sameRanges();
  });
});
