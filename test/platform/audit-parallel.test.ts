/**
 * Parallel chain verification (worker threads over seq ranges, joined at the seams) must
 * give exactly the verdict of one sequential pass, wherever the damage sits relative to
 * the seams: every thread count below puts seams at different events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformFixture, tamperAuditEvents, type TestDb } from './helpers.ts';
import { withClient } from '../helpers/db.ts';
import { verifyChain, type VerifyResult } from '../../platform/audit/verify.ts';

let db: TestDb;

const tamper = (sql: string) => withClient(db.adminUrl, (c) => tamperAuditEvents(c, sql));

async function verify(workers?: number): Promise<VerifyResult> {
  return withClient(db.url('reader'), (c) =>
    verifyChain(c, {
      from: 'genesis',
      ownTransaction: true,
      ...(workers ? { workers: { connectionString: db.url('reader'), count: workers, minEvents: 1 } } : {}),
    }),
  );
}

/**
 * The seq where range `i` starts when `workers` threads help: the chain after genesis is
 * cut into 8 × (workers + 1) equal consecutive ranges (as verify.ts does), which the
 * threads take in turn; every range after the first joins the one before at a seam.
 */
async function seam(workers: number, i: number): Promise<number> {
  const last = Number((await withClient(db.adminUrl, (c) => c.query('SELECT max(seq) AS m FROM audit_events'))).rows[0].m);
  return 1 + i * Math.ceil(last / (8 * (workers + 1)));
}

/** The sequential verdict, checked against every parallel split. */
async function sameVerdictEverywhere(): Promise<VerifyResult> {
  const one = await verify();
  for (const workers of [1, 2, 3, 5, 8]) expect(await verify(workers), `${workers} worker(s)`).toEqual(one);
  return one;
}

beforeAll(async () => {
  ({ db } = await platformFixture());
  // Through the chain trigger, as any insert: every event linked and hashed.
  await withClient(db.adminUrl, (c) =>
    c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details)
      SELECT NULL, 'test:bulk', 'test.bulk', 'raw', g::text, jsonb_build_object('i', g, 's', E'tab\\there') FROM generate_series(1, 57) g`),
  );
});
afterAll(async () => {
  await db.drop();
});

describe('parallel audit chain verification', () => {
  it('an intact chain: the same result as one pass, every event counted once', async () => {
    const r = await sameVerdictEverywhere();
    expect(r.ok).toBe(true);
    expect(r.eventsVerified).toBeGreaterThanOrEqual(57);
  });

  it('workers that cannot connect leave their ranges to this thread: same result', async () => {
    const r = await withClient(db.url('reader'), (c) =>
      verifyChain(c, { from: 'genesis', ownTransaction: true, workers: { connectionString: 'postgres://nobody:x@127.0.0.1:1/none', count: 2, minEvents: 1 } }),
    );
    expect(r).toEqual(await verify());
  });

  // Each step damages an event earlier than the last, so each is the new first break, and
  // each sits on a seam of one of the splits (the first event of a worker's range).
  it('a link rewritten where a worker range starts', async () => {
    const seq = await seam(1, 12);
    await tamper(`UPDATE audit_events SET prev_hash = sha256(prev_hash) WHERE seq = ${seq}`);
    expect((await sameVerdictEverywhere()).firstBroken).toEqual({ seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` });
  });

  it('content altered where another split has a seam', async () => {
    const seq = await seam(2, 11);
    await tamper(`UPDATE audit_events SET details = details || '{"x": 1}' WHERE seq = ${seq}`);
    expect((await sameVerdictEverywhere()).firstBroken).toEqual({ seq, reason: `event ${seq} was altered: its content does not match its hash` });
  });

  it('events deleted at the start of a worker range', async () => {
    const seq = await seam(3, 10);
    await tamper(`DELETE FROM audit_events WHERE seq BETWEEN ${seq} AND ${seq + 1}`);
    expect((await sameVerdictEverywhere()).firstBroken).toEqual({ seq: seq + 2, reason: `expected event ${seq}, found ${seq + 2}: events are missing or reordered` });
  });

  it('events deleted at the end of the range before a seam', async () => {
    const seq = await seam(1, 3);
    await tamper(`DELETE FROM audit_events WHERE seq BETWEEN ${seq - 2} AND ${seq - 1}`);
    expect((await sameVerdictEverywhere()).firstBroken).toEqual({ seq, reason: `expected event ${seq - 2}, found ${seq}: events are missing or reordered` });
  });

  it('the first events deleted, and the last one: the head no longer matches either', async () => {
    await tamper(`DELETE FROM audit_events WHERE seq <= 2 OR seq = (SELECT max(seq) FROM audit_events)`);
    expect((await sameVerdictEverywhere()).firstBroken?.seq).toBe(3);
  });
});
