/**
 * Migration 0420: audit_events partitioned by month of the chain. The migration converts a
 * filled table (rows byte for byte, months from their dates); months close, are checkpointed,
 * and the oldest can be detached while the rest verifies from the boundary checkpoint and the
 * detached month verifies on its own. Every partition holds the parent's guards: no privilege
 * for the runtime role, the immutability triggers (ALWAYS), forced RLS, and the structure check
 * judges each partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { inject } from 'vitest';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { openDatabase, type Database } from '../../platform/db/index.ts';
import { MIGRATIONS_DIR, migrate } from '../../platform/db/migrate.ts';
import { verifyChain } from '../../platform/audit/verify.ts';
import { keyIdOf, type CheckpointKey } from '../../platform/audit/keys.ts';
import { checkpointAt, closeMonth, detachMonth, verifyDetachedMonth } from '../../platform/audit/months.ts';
import { GENESIS_HASH } from '../../platform/audit/verify.ts';
import { introspectSchema } from '../../collectors/schema.ts';
import { countingSql } from '../../collectors/run.ts';
import { withClient } from '../helpers/db.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: CheckpointKey = { privateKey, publicKey, keyId: keyIdOf(publicKey), source: 'env' };

let db: Database & { drop(): Promise<void> };

const verify = (from: 'genesis' | 'checkpoint' = 'genesis') => withClient(db.url('reader'), (c) => verifyChain(c, { from, trustedKeys: [publicKey], ownTransaction: true }));

/** An empty database migrated up to (not including) 0420, so the conversion runs on a filled table. */
async function databaseBefore0420(): Promise<Database & { drop(): Promise<void> }> {
  const serverUrl = inject('serverUrl');
  const name = `${inject('dbPrefix')}_p${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(serverUrl);
  u.pathname = '/' + name;
  const d = await openDatabase({ adminUrl: u.toString() });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mig-before-0420-'));
  for (const f of readdirSync(MIGRATIONS_DIR)) if (f < '0420') symlinkSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  await runner({
    databaseUrl: d.url('owner'),
    dir,
    migrationsTable: 'pgmigrations',
    direction: 'up',
    count: Infinity,
    checkOrder: true,
    log: () => {},
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  } as Parameters<typeof runner>[0]);
  return Object.assign(d, {
    async drop() {
      await d.close();
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  });
}

/** Events as the runtime role, dated by the caller (the owner's switch on), `months` back from the current month. */
async function fill(monthsBack: number, perMonth: number): Promise<void> {
  await db.pool('owner').query('UPDATE event_time_policy SET caller_time = true');
  await withClient(db.url('app'), (c) =>
    c.query(
      `INSERT INTO audit_events (occurred_at, actor, action, subject_type, subject_id, details)
    SELECT date_trunc('month', now()) - make_interval(months => $1::int) + g * (interval '28 days' / $2::int), 'x:fill', 'agent.started', 'agent', g::text, jsonb_build_object('n', g)
      FROM generate_series(0, $1::int * $2::int - 1) g`,
      [monthsBack, perMonth],
    ),
  );
  await db.pool('owner').query('UPDATE event_time_policy SET caller_time = false');
}

const months = async () =>
  (
    await db
      .pool('owner')
      .query(
        `SELECT to_char(month, 'YYYY-MM') AS month, partition_name, first_seq::int, last_seq::int, closed_at IS NOT NULL AS closed, detached_at IS NOT NULL AS detached FROM chain_months ORDER BY month`,
      )
  ).rows;

let before: { seq: number; hash: string }[];

beforeAll(async () => {
  db = await databaseBefore0420();
  await fill(4, 50);
  before = (await db.pool('owner').query(`SELECT seq::int, encode(hash, 'hex') AS hash FROM audit_events ORDER BY seq`)).rows;
  await migrate(db);
});
afterAll(async () => {
  await db?.drop();
});

describe('the migration on a filled table', () => {
  it('keeps every event byte for byte, one partition per month of the chain, the last month open', async () => {
    const after = (await db.pool('owner').query(`SELECT seq::int, encode(hash, 'hex') AS hash FROM audit_events ORDER BY seq`)).rows;
    expect(after).toEqual(before);
    const m = await months();
    expect(m.map((x) => x.closed)).toEqual([true, true, true, false]);
    expect(m[0].first_seq).toBe(1);
    for (let i = 1; i < m.length; i++) expect(m[i].first_seq).toBe(m[i - 1].last_seq + 1);
    const parts = (
      await db.pool('owner').query(`SELECT c.relname, count(e.*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      LEFT JOIN audit_events e ON e.tableoid = c.oid WHERE i.inhparent = 'audit_events'::regclass GROUP BY 1 ORDER BY 1`)
    ).rows;
    expect(parts.map((p) => p.relname)).toEqual(m.map((x) => x.partition_name));
    expect(parts.reduce((s, p) => s + p.n, 0)).toBe(before.length);
    expect((await verify()).ok).toBe(true);
  });

  it('the chain continues across the conversion and the partitions', async () => {
    await withClient(db.url('app'), (c) =>
      c.query(`INSERT INTO audit_events (actor, action, subject_type, subject_id) SELECT 'x:after', 'agent.started', 'agent', g::text FROM generate_series(1, 20) g`),
    );
    const v = await verify();
    expect(v.firstBroken ?? null).toBe(null);
    expect(v.headSeq).toBe(before.length + 20);
  });
});

describe("every partition holds the parent's guards", () => {
  const partitions = async () =>
    (await db.pool('owner').query(`SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = 'audit_events'::regclass ORDER BY 1`)).rows.map((r) => r.p as string);

  it('the runtime and reader roles cannot touch a partition directly', async () => {
    const [p] = await partitions();
    for (const sql of [
      `SELECT * FROM ${p}`,
      `INSERT INTO ${p} (actor, action, subject_type, subject_id) VALUES ('x', 'a.b', 'c', 'd')`,
      `UPDATE ${p} SET actor = 'y'`,
      `DELETE FROM ${p}`,
      `TRUNCATE ${p}`,
    ]) {
      await expect(db.pool('app').query(sql)).rejects.toThrow(/permission denied/);
    }
    await expect(db.pool('reader').query(`SELECT * FROM ${p}`)).rejects.toThrow(/permission denied/);
  });

  it('the owner is refused UPDATE, DELETE and TRUNCATE on a partition by the ALWAYS triggers, RLS is forced with the account policy', async () => {
    for (const p of await partitions()) {
      for (const sql of [`UPDATE ${p} SET actor = 'y'`, `DELETE FROM ${p}`, `TRUNCATE ${p}`]) {
        await expect(db.pool('owner').query(sql)).rejects.toThrow(/append-only/);
      }
      const t = (
        await db.pool('owner').query(
          `SELECT relrowsecurity, relforcerowsecurity,
        (SELECT array_agg(tgname || ':' || tgenabled::text ORDER BY tgname) FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal) AS triggers,
        (SELECT array_agg(polname::text ORDER BY polname) FROM pg_policy WHERE polrelid = c.oid) AS policies, relacl::text AS acl
        FROM pg_class c WHERE c.oid = $1::regclass`,
          [p],
        )
      ).rows[0];
      expect(t).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true, policies: ['account_isolation'] });
      expect(t.acl ?? '').not.toMatch(/trust_app|trust_reader/);
      expect(t.triggers).toEqual(
        expect.arrayContaining([
          'audit_events_no_update:A',
          'audit_events_no_delete:A',
          'audit_events_no_change:A',
          'audit_events_no_truncate:A',
          'audit_events_no_secrets:A',
          'audit_events_chain:O',
          'audit_events_chain_begin:O',
          'audit_events_chain_check:O',
        ]),
      );
    }
  });

  it("an owner's direct INSERT into a partition is still chained and checked", async () => {
    const [, , , open] = (await months()).map((m) => m.partition_name);
    await withClient(db.url('owner'), (c) => c.query(`INSERT INTO ${open} (account_id, actor, action, subject_type, subject_id) VALUES (NULL, 'x:direct', 'agent.started', 'agent', 'd')`));
    expect((await verify()).ok).toBe(true);
  });

  it('the structure check judges each partition: a guard disabled on one partition alone fails table_append_only', async () => {
    const { default: check } = await import('../../controls/checks/table-append-only.ts');
    const judge = async () => {
      const schema = await withClient(db.url('reader'), async (c) => {
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          return await introspectSchema(countingSql(c, { queries: 0 }));
        } finally {
          await c.query('ROLLBACK');
        }
      });
      return check.evaluate({ schema, access: {} } as never, check.params.parse({ table: 'audit_events' }));
    };
    expect((await judge()).filter((f) => f.status !== 'pass')).toEqual([]);
    // The first partition's copy of no_update alone: no_change (statement level) still refuses.
    const [p] = await partitions();
    // Both UPDATE guards of that partition (the row trigger and the statement trigger).
    await db.pool('owner').query(`ALTER TABLE ${p} DISABLE TRIGGER audit_events_no_update; ALTER TABLE ${p} DISABLE TRIGGER audit_events_no_change`);
    try {
      const bad = (await judge()).filter((f) => f.status !== 'pass');
      expect(bad.map((f) => f.reason).join('\n')).toMatch(new RegExp(`${p.replace(/^public\./, '')}.*(refuses|no enabled BEFORE UPDATE)`, 's'));
    } finally {
      await db.pool('owner').query(`ALTER TABLE ${p} ENABLE ALWAYS TRIGGER audit_events_no_update; ALTER TABLE ${p} ENABLE ALWAYS TRIGGER audit_events_no_change`);
    }
  });
});

describe('closing, checkpointing and detaching months', () => {
  it('closing seals the open month at the chain end, checkpoints it and opens the current month', async () => {
    const head = (await verify()).headSeq;
    // Writers keep writing while the month closes: each waits (or retries a deadlock), none is lost.
    let stop = false;
    let written = 0;
    const writer = async () => {
      const c = new pg.Client({ connectionString: db.url('app') });
      await c.connect();
      try {
        while (!stop) {
          try {
            await c.query(`BEGIN; INSERT INTO audit_events (actor, action, subject_type, subject_id) SELECT 'x:during-close', 'agent.started', 'agent', g::text FROM generate_series(1, 3) g; COMMIT`);
            written += 3;
          } catch (e) {
            await c.query('ROLLBACK');
            if (!['40P01', '40001'].includes((e as { code?: string }).code ?? '')) throw e;
          }
        }
      } finally {
        await c.end();
      }
    };
    const writers = [writer(), writer()];
    await new Promise((r) => setTimeout(r, 100));
    const closed = await closeMonth({ owner: db.pool('owner'), reader: db.pool('reader') }, key).finally(() => {
      stop = true;
    });
    await Promise.all(writers);
    expect(written).toBeGreaterThan(0);
    expect(closed).toMatchObject({ checkpointed: true });
    expect(closed!.lastSeq).toBeGreaterThanOrEqual(head);
    const m = await months();
    expect(m.at(-1)).toMatchObject({ first_seq: closed!.lastSeq + 1, closed: false });
    expect((await verify()).headSeq).toBe(head + written);
    const view = (await db.pool('reader').query(`SELECT to_char(month, 'YYYY-MM') AS month, last_seq::int, checkpointed FROM audit_closed_months ORDER BY month`)).rows;
    expect(view.at(-1)).toEqual({ month: closed!.month, last_seq: closed!.lastSeq, checkpointed: true });
    expect(view.slice(0, -1).every((x) => !x.checkpointed)).toBe(true);
    // The current month cannot be closed.
    await expect(closeMonth({ owner: db.pool('owner'), reader: db.pool('reader') }, key)).rejects.toThrow(/not over yet/);
    await withClient(db.url('app'), (c) => c.query(`INSERT INTO audit_events (actor, action, subject_type, subject_id) VALUES ('x:new-month', 'agent.started', 'agent', 'n')`));
    expect((await verify()).ok).toBe(true);
    expect((await verify('checkpoint')).ok).toBe(true);
  });

  it('detaching needs a checkpoint and goes oldest first; the rest verifies from the boundary, the detached month on its own', async () => {
    const m = await months();
    await expect(detachMonth(db.pool('owner'), m[0].month)).rejects.toThrow(/no checkpoint/);
    await expect(detachMonth(db.pool('owner'), m[1].month)).rejects.toThrow(/older month is still attached/);
    const first = (await db.pool('reader').query(`SELECT last_seq::int, last_hash FROM audit_closed_months ORDER BY month LIMIT 1`)).rows[0];
    await checkpointAt({ owner: db.pool('owner'), reader: db.pool('reader') }, key, first.last_seq, first.last_hash);
    const table = await detachMonth(db.pool('owner'), m[0].month);
    expect(table).toBe(m[0].partition_name);

    const full = await verify('genesis');
    expect(full.firstBroken ?? null).toBe(null);
    expect(full.checkpoint?.seq).toBe(first.last_seq);
    expect(full.eventsVerified).toBe(full.headSeq - first.last_seq);
    expect((await verify('checkpoint')).ok).toBe(true);
    // Without the key that signed the boundary checkpoint, the rest is not proven.
    const other = generateKeyPairSync('ed25519').publicKey;
    const untrusted = await withClient(db.url('reader'), (c) => verifyChain(c, { from: 'genesis', trustedKeys: [other], ownTransaction: true }));
    expect(untrusted.ok).toBe(false);
    expect(untrusted.firstBroken?.reason).toMatch(/detached to cold storage/);

    // The detached month on its own (read by an administrator, as from a restored dump).
    const month = { firstSeq: 1, prevHash: GENESIS_HASH, lastSeq: first.last_seq, lastHash: first.last_hash as string };
    const alone = await withClient(db.adminUrl, (c) => verifyDetachedMonth(c, table, month));
    expect(alone.firstBroken ?? null).toBe(null);
    const wrong = await withClient(db.adminUrl, (c) => verifyDetachedMonth(c, table, { ...month, lastHash: '00'.repeat(32) }));
    expect(wrong.firstBroken?.reason).toMatch(/witnessed hash/);
    // Still immutable where it lies.
    await expect(db.pool('owner').query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
  });
});
