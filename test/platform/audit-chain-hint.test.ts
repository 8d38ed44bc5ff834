/**
 * Migration 0410: the row trigger continues the chain from a session variable (a hint) and a
 * statement trigger checks the result. The caller can write that variable, even between two
 * rows of one statement, so every attack here forges it and must be refused (or be harmless):
 * the chain verifies and the stored head equals the newest event afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { platformFixture, type TestDb } from './helpers.ts';
import { verifyChain } from '../../platform/audit/verify.ts';
import { setCallerEventTime } from '../../platform/audit/clock.ts';
import { withClient } from '../helpers/db.ts';

let db: TestDb;
let accounts: string[];

async function intact(): Promise<void> {
  const r = await withClient(db.url('reader'), (c) => verifyChain(c, { from: 'genesis', ownTransaction: true }));
  expect(r.firstBroken?.reason ?? null).toBe(null);
  expect(r.ok).toBe(true);
  const h = (
    await withClient(db.adminUrl, (c) =>
      c.query(
        `SELECT (SELECT seq FROM event_chain_head) = (SELECT max(seq) FROM audit_events) AS same_seq,
            (SELECT hash FROM event_chain_head) = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS same_hash`,
      ),
    )
  ).rows[0];
  expect(h).toEqual({ same_seq: true, same_hash: true });
}
const count = async () => Number((await withClient(db.adminUrl, (c) => c.query('SELECT count(*) AS n FROM audit_events'))).rows[0].n);

/** An INSERT of `n` events as the runtime role whose subject_id expression runs `forge` (SQL text) before each row's trigger. */
const forgingInsert = (n: number, forge: string, extra = { cols: '', vals: '' }) =>
  `INSERT INTO audit_events (${extra.cols}account_id, actor, action, subject_type, subject_id)
   SELECT ${extra.vals}$1, 'x:forge', 'agent.started', 'agent', (${forge})::text FROM generate_series(1, ${n}) g`;

async function appTx(fn: (c: pg.Client) => Promise<unknown>): Promise<void> {
  await withClient(db.url('app'), async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts[0]]);
      await fn(c);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK');
      throw e;
    }
  });
}
const plainInsert = (c: pg.Client, n = 1) =>
  c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id) SELECT $1, 'x:plain', 'agent.started', 'agent', g::text FROM generate_series(1, ${n}) g`, [accounts[0]]);

beforeAll(async () => {
  ({ db, accounts } = await platformFixture());
  await setCallerEventTime(db.pool('owner'), false);
  await appTx((c) => plainInsert(c, 5));
});
afterAll(async () => {
  await db.drop();
});

describe('a hint forged between two rows of one statement', () => {
  it('skipping seqs ahead is refused', async () => {
    const before = await count();
    await expect(
      appTx((c) =>
        c.query(
          forgingInsert(
            3,
            `set_config('trust.audit_chain', txid_current() || ':' || (split_part(current_setting('trust.audit_chain'), ':', 2)::bigint + 100) || ':' || split_part(current_setting('trust.audit_chain'), ':', 3) || ':f', false)`,
          ),
          [accounts[0]],
        ),
      ),
    ).rejects.toThrow(/does not continue the chain/);
    expect(await count()).toBe(before);
    await intact();
  });

  it("a prev_hash that is not the predecessor's is refused", async () => {
    await expect(
      appTx((c) =>
        c.query(
          forgingInsert(
            2,
            `set_config('trust.audit_chain', txid_current() || ':' || split_part(current_setting('trust.audit_chain'), ':', 2) || ':' || encode(sha256('forged'), 'hex') || ':f', false)`,
          ),
          [accounts[0]],
        ),
      ),
    ).rejects.toThrow(/does not continue the chain/);
    await intact();
  });

  it('re-chaining from an earlier event of the same transaction (a fork) is refused', async () => {
    await expect(
      appTx(async (c) => {
        await plainInsert(c, 1);
        const saved = (await c.query(`SELECT current_setting('trust.audit_chain') AS v`)).rows[0].v as string;
        await plainInsert(c, 3);
        await c.query(forgingInsert(2, `set_config('trust.audit_chain', $2, false)`), [accounts[0], saved]);
      }),
    ).rejects.toThrow(/does not continue the chain|audit_events_pkey|duplicate key/);
    await intact();
  });

  it("re-chaining from the committed head (below this transaction's own events) is refused", async () => {
    await expect(
      appTx(async (c) => {
        const head = (await c.query(`SELECT txid_current() || ':' || seq || ':' || encode(hash, 'hex') || ':f' AS v FROM event_chain_head`)).rows[0].v as string;
        await plainInsert(c, 2);
        await c.query(forgingInsert(1, `set_config('trust.audit_chain', $2, false)`), [accounts[0], head]);
      }),
    ).rejects.toThrow(/at or below the chain head|does not continue the chain|audit_events_pkey|duplicate key/);
    await intact();
  });

  it('a hint replayed from a rolled-back savepoint is refused; the transaction continues cleanly after it', async () => {
    const before = await count();
    await appTx(async (c) => {
      await plainInsert(c, 1);
      await c.query('SAVEPOINT s');
      await plainInsert(c, 3);
      const ghost = (await c.query(`SELECT current_setting('trust.audit_chain') AS v`)).rows[0].v as string;
      await c.query('ROLLBACK TO SAVEPOINT s');
      await c.query('SAVEPOINT t');
      // Forged before the first row only: the rows chain on from the ghost, without a duplicate seq.
      await expect(c.query(forgingInsert(2, `CASE WHEN g = 1 THEN set_config('trust.audit_chain', $2, false) ELSE 'x' END`), [accounts[0], ghost])).rejects.toThrow(/does not continue the chain/);
      await c.query('ROLLBACK TO SAVEPOINT t');
      // The same ghost set before a statement is overwritten by the statement trigger.
      await c.query(`SELECT set_config('trust.audit_chain', $1, false)`, [ghost]);
      await plainInsert(c, 2);
    });
    expect(await count()).toBe(before + 3);
    await intact();
  });

  it('a forged "caller time allowed" flag does not keep a backdated time', async () => {
    await expect(
      appTx((c) =>
        c.query(
          forgingInsert(2, `set_config('trust.audit_chain', regexp_replace(current_setting('trust.audit_chain'), ':f$', ':t'), false)`, {
            cols: 'occurred_at, ',
            vals: `'2001-01-01 00:00:00+00'::timestamptz, `,
          }),
          [accounts[0]],
        ),
      ),
    ).rejects.toThrow(/dated outside its transaction/);
    await intact();
  });

  it('a hint that says exactly what the trusted path would is harmless', async () => {
    const before = await count();
    await appTx((c) => c.query(forgingInsert(3, `set_config('trust.audit_chain', current_setting('trust.audit_chain'), false)`), [accounts[0]]));
    expect(await count()).toBe(before + 3);
    await intact();
  });

  it('a missing hint mid-statement falls back to the head: one chain', async () => {
    const before = await count();
    await appTx((c) => c.query(forgingInsert(3, `set_config('trust.audit_chain', '', false)`), [accounts[0]]));
    expect(await count()).toBe(before + 3);
    await intact();
  });
});

describe('the pieces are not callable on their own', () => {
  it('audit_chain_hold() refuses outside the audit triggers; the trigger functions cannot be called', async () => {
    await expect(db.pool('app').query('SELECT * FROM audit_chain_hold()')).rejects.toThrow(/only inside the audit_events triggers/);
    for (const f of ['audit_chain_begin', 'audit_chain_check']) {
      await expect(db.pool('app').query(`SELECT ${f}()`)).rejects.toThrow(/permission denied|trigger functions can only be called as triggers/);
    }
  });
});

describe('concurrency', () => {
  it('concurrent writers (multi-row statements, savepoints) and a concurrent forger keep one chain', async () => {
    const before = await count();
    const writer = (w: number) =>
      (async () => {
        for (let i = 0; i < 8; i++) {
          await appTx(async (c) => {
            await plainInsert(c, 1 + ((w + i) % 7));
            if (i % 3 === 0) {
              await c.query('SAVEPOINT s');
              await plainInsert(c, 2);
              await c.query('ROLLBACK TO SAVEPOINT s');
            }
            await plainInsert(c, 1);
          });
        }
      })();
    let forged = 0;
    const forger = (async () => {
      for (let i = 0; i < 8; i++) {
        // Continues from the head as read at the start of its own statement, without waiting: a
        // stale or skipping continuation must fail, never commit.
        await appTx((c) =>
          c.query(forgingInsert(2, `set_config('trust.audit_chain', (SELECT txid_current() || ':' || (seq + 1) || ':' || encode(hash, 'hex') || ':f' FROM event_chain_head), false)`), [accounts[0]]),
        ).catch(() => {
          forged++;
        });
      }
    })();
    const results = await Promise.allSettled([writer(0), writer(1), writer(2), forger]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(forged).toBe(8);
    const expected = [0, 1, 2].reduce((s, w) => s + Array.from({ length: 8 }, (_, i) => 2 + ((w + i) % 7)).reduce((a, b) => a + b, 0), 0);
    expect(await count()).toBe(before + expected);
    await intact();
  });
});
