/**
 * Issue 13's attacks on the audit chain, replayed against a real database: each is refused,
 * has no effect, or is caught with its real cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { generateKeyPairSync } from 'node:crypto';
import { platformFixture, type TestDb } from './helpers.ts';
import { provisionAgent } from '../../platform/agents/service.ts';
import { verifyChain, type VerifyResult } from '../../platform/audit/verify.ts';
import { createCheckpoint } from '../../platform/audit/checkpoint.ts';
import { keyIdOf, signCheckpoint, type CheckpointKey } from '../../platform/audit/keys.ts';
import { setCallerEventTime } from '../../platform/audit/clock.ts';
import type { PlatformContext } from '../../platform/services.ts';
import { withClient } from '../helpers/db.ts';
import { ownerTailRewriteSql } from '../helpers/owner-rewrite.ts';

let db: TestDb;
let ctx: PlatformContext;
let accounts: string[];
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: CheckpointKey = { privateKey, publicKey, keyId: keyIdOf(publicKey), source: 'env' };

const verify = (from: 'genesis' | 'checkpoint' = 'genesis'): Promise<VerifyResult> => withClient(db.url('reader'), (c) => verifyChain(c, { from, trustedKeys: [publicKey], ownTransaction: true }));
const headAndLast = () =>
  withClient(
    db.adminUrl,
    async (c) =>
      (
        await c.query(
          `SELECT (SELECT seq FROM event_chain_head)::int AS head, (SELECT max(seq) FROM audit_events)::int AS last,
          (SELECT hash FROM event_chain_head) = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS same`,
        )
      ).rows[0],
  );
/** One audited write as the runtime role, the platform's way (acting for an account). */
async function appEvent(c: pg.Client, actor: string, extraCols = '', extraVals = ''): Promise<void> {
  await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts[0]]);
  await c.query(`INSERT INTO audit_events (${extraCols}account_id, actor, action, subject_type, subject_id) VALUES (${extraVals}$1, $2, 'agent.started', 'agent', 'x')`, [accounts[0], actor]);
}

beforeAll(async () => {
  ({ db, ctx, accounts } = await platformFixture());
  for (let i = 0; i < 3; i++) await provisionAgent(ctx, { accountId: accounts[i % 2], region: 'us', name: `a${i}` });
  // From here on the database's clock dates the runtime role's events (as after the demo).
  await setCallerEventTime(db.pool('owner'), false);
});
afterAll(async () => {
  await db.drop();
});

describe('defect 1: the runtime role cannot jam or forge the chain head', () => {
  it('a chain variable set before the first INSERT has no effect: the head follows, the next write works', async () => {
    await withClient(db.url('app'), async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('trust.audit_chain', txid_current()||':'||seq||':'||encode(hash,'hex'), false) FROM event_chain_head`);
      await appEvent(c, 'x:jam');
      await c.query('COMMIT');
    });
    expect(await headAndLast()).toMatchObject({ same: true });
    const { head, last } = await headAndLast();
    expect(head).toBe(last);
    for (let i = 0; i < 5; i++) await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: `after-jam-${i}` });
    expect((await verify()).ok).toBe(true);
  });

  it('a chain variable set after the INSERT cannot choose the stored head', async () => {
    await withClient(db.url('app'), async (c) => {
      await c.query('BEGIN');
      await appEvent(c, 'x:forge');
      await c.query(`SELECT set_config('trust.audit_chain', txid_current()||':'||(seq+1000)||':'||encode(sha256('forged'),'hex'), false) FROM event_chain_head`);
      await c.query('COMMIT');
    });
    const { head, last, same } = await headAndLast();
    expect([head, same]).toEqual([last, true]);
    expect((await verify()).ok).toBe(true);
  });

  it('events of one statement and of one transaction chain in order; a savepoint rolled back leaves no gap', async () => {
    await withClient(db.url('app'), async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts[0]]);
      await c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id) SELECT $1, 'x:multi', 'agent.started', 'agent', g::text FROM generate_series(1, 50) g`, [
        accounts[0],
      ]);
      await c.query('SAVEPOINT s');
      await appEvent(c, 'x:rolled-back');
      await c.query('ROLLBACK TO SAVEPOINT s');
      await appEvent(c, 'x:after-savepoint');
      await c.query('COMMIT');
    });
    const { head, last, same } = await headAndLast();
    expect([head, same]).toEqual([last, true]);
    expect((await verify()).ok).toBe(true);
  });

  it('verify names a head that stopped advancing, not "missing at the end"', async () => {
    const damaged = await createTestDatabase2();
    try {
      await withClient(damaged.adminUrl, (c) =>
        c.query(`BEGIN; SET LOCAL session_replication_role = replica;
        UPDATE event_chain_head SET seq = seq - 2; COMMIT`),
      );
      const r = await withClient(damaged.url('reader'), (c) => verifyChain(c, { from: 'genesis', ownTransaction: true }));
      expect(r.ok).toBe(false);
      expect(r.firstBroken?.reason).toMatch(/beyond the stored chain head .*stopped advancing/);
    } finally {
      await damaged.drop();
    }
  });
});

describe("defect 2: tail truncation is caught without a transaction of its own (the collector's way)", () => {
  it("the chain end is compared with the stored head in the caller's snapshot", async () => {
    const damaged = await createTestDatabase2();
    try {
      // Replica mode alone no longer bypasses the guards (0240): the superuser switches them off.
      await withClient(damaged.adminUrl, (c) =>
        c.query(`BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_delete;
        ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change;
        DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events); COMMIT`),
      );
      const r = await withClient(damaged.url('reader'), async (c) => {
        await c.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          return await verifyChain(c, { from: 'checkpoint' });
        } finally {
          await c.query('ROLLBACK');
        }
      });
      expect(r.ok).toBe(false);
      expect(r.firstBroken?.reason).toMatch(/events are missing at the end/);
      // The next event continues from the stored head, so the gap stays visible.
      await withClient(damaged.url('app'), async (c) => {
        await c.query('BEGIN');
        await appEvent(c, 'x:after-truncation');
        await c.query('COMMIT');
      });
      const again = await withClient(damaged.url('reader'), (c) => verifyChain(c, { from: 'genesis', ownTransaction: true }));
      expect(again.ok).toBe(false);
      expect(again.firstBroken?.reason).toMatch(/missing or reordered/);
    } finally {
      await damaged.drop();
    }
  });
});

describe('defect 3: the owner who rewrites the tail leaves a chain whose head is its newest event', () => {
  // The triggers cannot stop the owner (the transparency log catches the rewrite, see
  // test/evidence/tlog/witness-copy.test.ts), but the head must still follow the re-inserted
  // events: before 0430 a head the owner reset in the same transaction looked held, no store
  // was queued, and the head stayed at the reset value.
  it('head reset with the triggers off, events re-inserted with them on: the head is the newest event at commit', async () => {
    const damaged = await createTestDatabase2();
    try {
      await withClient(damaged.url('owner'), (c) => c.query(ownerTailRewriteSql(2, { subtransaction: true })));
      const h = await withClient(
        damaged.adminUrl,
        async (c) =>
          (
            await c.query(
              `SELECT (SELECT seq FROM event_chain_head)::int AS head, (SELECT max(seq) FROM audit_events)::int AS last,
                (SELECT hash FROM event_chain_head) = (SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS same,
                (SELECT count(*) FROM audit_events WHERE details ? 'rewritten')::int AS rewritten`,
            )
          ).rows[0],
      );
      expect(h).toMatchObject({ same: true });
      expect(h.head).toBe(h.last);
    } finally {
      await damaged.drop();
    }
  });
});

describe("defect 4: checkpoints are the signer's alone, and well-formed", () => {
  it('the runtime role cannot insert a checkpoint', async () => {
    await expect(
      withClient(db.url('app'), (c) =>
        c.query(
          `INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES (999999999, decode(repeat('00', 32), 'hex'), '0000000000000000', 'x', decode(repeat('00', 64), 'hex'))`,
        ),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('a malformed or unfounded checkpoint is refused even to the owner', async () => {
    const { head } = await headAndLast();
    const hash = (await withClient(db.adminUrl, (c) => c.query(`SELECT encode(hash, 'hex') AS h FROM audit_events WHERE seq = $1`, [head]))).rows[0].h as string;
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ins = (seq: number, h: string, kid: string, pk: string) =>
      withClient(db.url('owner'), (c) =>
        c.query(`INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5)`, [seq, h, kid, pk, signCheckpoint(key, seq, h)]),
      );
    await expect(ins(head + 1000, hash, key.keyId, pem)).rejects.toThrow(/beyond the chain head/);
    await expect(ins(head, '00'.repeat(32), key.keyId, pem)).rejects.toThrow(/does not carry the hash/);
    await expect(ins(head, hash, '0000000000000000', pem)).rejects.toThrow(/fingerprint/);
    await expect(ins(head, hash, key.keyId, 'x')).rejects.toThrow(/audit_checkpoints_public_key_pem|invalid base64/);
  });

  it('a forged row already stored is reported, verification starts at the authentic one, and signing keeps working', async () => {
    const cp = await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key);
    expect(cp?.created).toBe(true);
    await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'after-cp' });
    // A row the runtime role could once insert: a valid-looking checkpoint under a key nobody trusts.
    const other = generateKeyPairSync('ed25519');
    const { head } = await headAndLast();
    const hash = (await withClient(db.adminUrl, (c) => c.query(`SELECT encode(hash, 'hex') AS h FROM audit_events WHERE seq = $1`, [head]))).rows[0].h as string;
    const otherKey: CheckpointKey = { ...other, keyId: keyIdOf(other.publicKey), source: 'env' };
    await withClient(db.url('owner'), (c) =>
      c.query(`INSERT INTO audit_checkpoints (seq, hash, key_id, public_key, signature) VALUES ($1, decode($2, 'hex'), $3, $4, $5)`, [
        head,
        hash,
        otherKey.keyId,
        other.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        signCheckpoint(otherKey, head, hash),
      ]),
    );
    const r = await verify('checkpoint');
    expect(r.ok).toBe(true);
    expect(r.checkpoint?.seq).toBe(cp!.seq);
    expect(r.ignoredCheckpoints).toEqual([{ seq: head, keyId: otherKey.keyId, reason: expect.stringMatching(/not trusted/) }]);
    await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'after-forged' });
    const next = await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key);
    expect(next?.created).toBe(true);
    expect((await verify('checkpoint')).ok).toBe(true);
  });
});

describe("defect 5: the database dates the runtime role's events", () => {
  it('an event dated 2001 or 30 days back is stamped with the database clock', async () => {
    for (const at of [`'2001-01-01 00:00:00+00'::timestamptz`, `now() - interval '30 days'`]) {
      const actor = `x:backdate-${at.length}`;
      await withClient(db.url('app'), async (c) => {
        await c.query('BEGIN');
        await appEvent(c, actor, 'occurred_at, ', `${at}, `);
        await c.query('COMMIT');
      });
      const r = (await withClient(db.adminUrl, (c) => c.query(`SELECT abs(extract(epoch FROM occurred_at - now())) < 600 AS recent FROM audit_events WHERE actor = $1`, [actor]))).rows[0];
      expect(r.recent).toBe(true);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('a time inside the inserting transaction is kept (the platform stamps an event and its rows with one clock)', async () => {
    const kept = await withClient(db.url('app'), async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts[0]]);
      await c.query(`CREATE TEMP TABLE t AS SELECT clock_timestamp() AS t`);
      await c.query(`INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id) SELECT t, $1, 'x:in-tx', 'agent.started', 'agent', 'x' FROM t`, [accounts[0]]);
      const got = (await c.query(`SELECT e.occurred_at = t.t AS same FROM audit_events e, t WHERE e.actor = 'x:in-tx'`)).rows[0].same as boolean;
      await c.query('COMMIT');
      return got;
    });
    expect(kept).toBe(true);
  });

  it('the runtime role cannot switch caller time on', async () => {
    await expect(db.pool('app').query(`UPDATE event_time_policy SET caller_time = true`)).rejects.toThrow(/permission denied/);
  });
});

/** A second database for destructive attacks, with a few events. */
async function createTestDatabase2() {
  const f = await platformFixture();
  for (let i = 0; i < 3; i++) await provisionAgent(f.ctx, { accountId: f.accounts[0], region: 'us', name: `d${i}` });
  await setCallerEventTime(f.db.pool('owner'), false);
  return f.db;
}
