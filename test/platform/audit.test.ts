import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { generateKeyPairSync } from 'node:crypto';
import { auditFixture, tamperAuditEvents, type TestDb } from './helpers.ts';
import { provisionAgent, startAgent } from '../../platform/agents/service.ts';
import { verifyChain } from '../../platform/audit/verify.ts';
import { createCheckpoint } from '../../platform/audit/checkpoint.ts';
import { keyIdOf, type CheckpointKey } from '../../platform/audit/keys.ts';
import type { PlatformContext } from '../../platform/services.ts';
import { withClient } from '../helpers/db.ts';

let db: TestDb;
let ctx: PlatformContext;
let accounts: string[];
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: CheckpointKey = { privateKey, publicKey, keyId: keyIdOf(publicKey), source: 'env' };

const verifyAsReader = (from: 'genesis' | 'checkpoint' = 'genesis') => withClient(db.url('reader'), (c) => verifyChain(c, { from, trustedKeys: [publicKey], ownTransaction: true }));

const superuser = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db.adminUrl, fn);

const tamper = tamperAuditEvents;

beforeAll(async () => {
  ({ db, ctx, accounts } = await auditFixture());
});
afterAll(async () => {
  await db.drop();
});

describe('audit events are append-only', () => {
  for (const role of ['owner', 'app'] as const) {
    for (const [verb, sql] of [
      ['UPDATE', `UPDATE audit_events SET actor = 'x'`],
      ['DELETE', 'DELETE FROM audit_events'],
      ['TRUNCATE', 'TRUNCATE audit_events'],
    ] as const) {
      it(`${verb} fails for ${role}`, async () => {
        await expect(db.pool(role).query(sql)).rejects.toThrow(role === 'owner' || verb === 'UPDATE' || verb === 'DELETE' ? /append-only|permission denied/ : /append-only|permission denied/);
      });
    }
  }

  it('the owner gets the append-only message itself (not a privilege error)', async () => {
    // The owner holds every privilege, so only the trigger can stop it.
    await expect(db.pool('owner').query(`UPDATE audit_events SET actor = 'x'`)).rejects.toThrow('audit_events is append-only: UPDATE rejected');
    await expect(db.pool('owner').query('DELETE FROM audit_events')).rejects.toThrow('audit_events is append-only: DELETE rejected');
    await expect(db.pool('owner').query('TRUNCATE audit_events')).rejects.toThrow('audit_events is append-only: TRUNCATE rejected');
    await expect(db.pool('owner').query('TRUNCATE audit_checkpoints')).rejects.toThrow('audit_checkpoints is append-only: TRUNCATE rejected');
  });

  it('the superuser is refused too while triggers are enabled', async () => {
    await superuser(async (c) => {
      await expect(c.query(`UPDATE audit_events SET actor = 'x'`)).rejects.toThrow('append-only');
      await expect(c.query(`DELETE FROM audit_checkpoints`)).rejects.toThrow('audit_checkpoints is append-only: DELETE rejected');
    });
  });
});

describe('hash chain', () => {
  it('an untouched chain verifies from genesis', async () => {
    const r = await verifyAsReader();
    expect(r.ok).toBe(true);
    expect(r.eventsVerified).toBeGreaterThanOrEqual(9);
    expect(r.headSeq).toBe(r.eventsVerified);
  });

  it('the hash is sha256(prev_hash || COPY text line of the content columns)', async () => {
    // Recompute event 1 in the database from its COPY representation.
    const r = await superuser((c) =>
      c.query(
        `SELECT hash = sha256(prev_hash || audit_content_bytes(seq, occurred_at, account_id, actor, action, subject_type, subject_id, details)) AS same
         FROM audit_events ORDER BY seq`,
      ),
    );
    expect(r.rows.every((x) => x.same)).toBe(true);
  });

  it('audit_content_bytes is byte for byte the COPY text line of the content columns', async () => {
    await superuser(async (c) => {
      await c.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'`);
      const expected = (
        await c.query(`SELECT convert_from(audit_content_bytes(seq, occurred_at, account_id, actor, action, subject_type, subject_id, details), 'UTF8') AS line
        FROM audit_events ORDER BY seq`)
      ).rows.map((r) => r.line as string);
      const chunks: Buffer[] = [];
      for await (const chunk of c.query(
        copyTo(`COPY (SELECT seq, occurred_at, account_id, actor, action, subject_type, subject_id, details FROM audit_events ORDER BY seq) TO STDOUT`),
      ) as AsyncIterable<Buffer>)
        chunks.push(chunk);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').slice(0, -1);
      expect(lines.length).toBeGreaterThanOrEqual(16);
      expect(expected).toEqual(lines);
    });
  });

  it('the secret guard refuses exactly the secret shapes in details', async () => {
    const refused = [
      { refresh_token: 'abc' },
      { Password: 'x' },
      { nested: { API_KEY: 1 } },
      { list: [{ client_secret: 's' }] },
      { deep: { a: [{ b: { sessionToken: null } }] } },
      { v: 'tev1:2:AAAA' },
      { v: 'x tev2:1:AAAA' },
      { k: 'hck_read_0123abcd' },
      { k: 'x hck_admin_' + 'f'.repeat(64) },
      { k: 'hcv_deadbeef' },
      { h: '$2b$12$abc' },
      { hashes: ['$2y$04$x'] },
    ];
    const accepted = [
      { token_count: 3 },
      { tokens: 1 },
      { note: 'the password": field' },
      { note: 'secret' },
      { k: 'hck_read_0123' },
      { k: 'hck_other_0123abcd' },
      { v: 'TEV1:2:' },
      { v: 'tev1:x:' },
      { v: 'TEV2:2:' },
      { v: 'tev2:x:' },
      { h: '$2x$12$' },
      { h: '$2b$1$' },
      { password_hint_shown: true },
    ];
    await superuser(async (c) => {
      const insert = (d: unknown) =>
        c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details) VALUES (NULL, 'test:guard', 'test.guard', 'raw', 'x', $1)`, [JSON.stringify(d)]);
      for (const d of refused) await expect(insert(d), JSON.stringify(d)).rejects.toThrow(/would record a secret/);
      await c.query('BEGIN');
      try {
        for (const d of accepted) await insert(d);
      } finally {
        await c.query('ROLLBACK');
      }
    });
  });

  it('concurrent inserts from many connections keep one chain', async () => {
    const pool = new pg.Pool({ connectionString: db.url('app'), max: 8 });
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts[0]]);
            await c.query(
              `INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details)
                         SELECT $1, 'test:writer', 'test.concurrent', 'writer', $2, jsonb_build_object('i', g) FROM generate_series(1, 3) g`,
              [accounts[0], String(w)],
            );
            await c.query('COMMIT');
          } finally {
            c.release();
          }
        }
      }),
    );
    await pool.end();
    const r = await verifyAsReader();
    expect(r.ok).toBe(true);
    const count = await superuser((c) => c.query('SELECT count(*)::int AS n, max(seq)::int AS m, (SELECT seq::int FROM event_chain_head) AS h FROM audit_events'));
    expect(count.rows[0].n).toBe(r.eventsVerified);
    expect(count.rows[0].m).toBe(count.rows[0].n);
    expect(count.rows[0].h).toBe(count.rows[0].n);
  });

  it('savepoints rolled back before, between and after events leave one chain and the right head', async () => {
    await superuser(async (c) => {
      const ins = (n: string) => c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id) VALUES (NULL, 'test:sp', 'test.savepoint', 'raw', $1)`, [n]);
      await c.query('BEGIN');
      await c.query('SAVEPOINT a');
      await ins('gone-1');
      await c.query('ROLLBACK TO SAVEPOINT a');
      await ins('kept-1');
      await c.query('SAVEPOINT b');
      await ins('gone-2');
      await c.query('ROLLBACK TO SAVEPOINT b');
      await ins('kept-2');
      await c.query('COMMIT');
    });
    const r = await verifyAsReader();
    expect(r.ok).toBe(true);
    const last = await superuser((c) => c.query(`SELECT e.subject_id, e.seq::int AS seq, h.seq::int AS head FROM audit_events e, event_chain_head h ORDER BY e.seq DESC LIMIT 1`));
    expect(last.rows[0]).toEqual({ subject_id: 'kept-2', seq: r.headSeq, head: r.headSeq });
  });

  /** Runs `fn` in one transaction on a fresh runtime-role connection (so the trigger is compiled in that session). */
  async function asApp(fn: (c: pg.Client) => Promise<void>) {
    const c = new pg.Client({ connectionString: db.url('app') });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('trust.account_ids', $1, true)`, [accounts.join(',')]);
      await fn(c);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  /** Every event of these actors hashes to sha256(prev_hash || audit_content_bytes(...)), the COPY line checked above. */
  async function hashesMatch(actor: string) {
    const r = await superuser((c) =>
      c.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE hash = sha256(prev_hash || audit_content_bytes(seq, occurred_at, account_id, actor, action, subject_type, subject_id, details)))::int AS same
         FROM audit_events WHERE actor = $1`,
        [actor],
      ),
    );
    return r.rows[0] as { n: number; same: number };
  }

  it('the chain trigger writes the same bytes whatever the session DateStyle and TimeZone', async () => {
    const times = ['2026-03-01 12:00:00+00', '2026-03-01 12:00:00.12+00', '2031-07-04 23:59:59.999999+00', '2000-01-01 00:00:00.000001+00'];
    for (const style of ['ISO, DMY', 'SQL, DMY', 'German', 'Postgres, MDY']) {
      await asApp(async (c) => {
        await c.query(`SELECT set_config('DateStyle', $1, true), set_config('TimeZone', 'America/St_Johns', true)`, [style]);
        await c.query(
          `INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details)
          SELECT t::timestamptz, $1, 'test:datestyle', 'test.datestyle', 'raw', $2, '{}' FROM unnest($3::text[]) t`,
          [accounts[0], style, times],
        );
      });
    }
    expect(await hashesMatch('test:datestyle')).toEqual({ n: 16, same: 16 });
    expect((await verifyAsReader()).ok).toBe(true);
  });

  it("the caller's search_path and temporary objects cannot steer the chain trigger", async () => {
    // The trigger runs with the inserting role's rights and search_path. A temporary table's row
    // type is found before pg_catalog's types, so an unqualified `text` or `bytea` would resolve here.
    await asApp(async (c) => {
      for (const t of ['text', 'bytea', 'int8', 'event_chain_head', 'audit_events']) await c.query(`CREATE TEMP TABLE ${t} (x int)`);
      await c.query(`SET LOCAL search_path = pg_temp, public`);
      await c.query(
        `INSERT INTO public.audit_events (account_id, actor, action, subject_type, subject_id, details)
        SELECT $1, 'test:search-path', 'test.search_path', 'raw', g::text, jsonb_build_object('g', g) FROM generate_series(1, 3) g`,
        [accounts[1]],
      );
    });
    expect(await hashesMatch('test:search-path')).toEqual({ n: 3, same: 3 });
    expect((await verifyAsReader()).ok).toBe(true);
  });

  it('the runtime role can neither take nor write the chain head itself', async () => {
    // 0300: the head is taken inside the chain trigger itself; no separate entry point is left.
    await expect(db.pool('app').query('SELECT * FROM audit_chain_take_head()')).rejects.toThrow(/does not exist/);
    await expect(db.pool('app').query('UPDATE event_chain_head SET seq = 0')).rejects.toThrow(/permission denied/);
    await expect(db.pool('app').query('SELECT audit_chain_event()')).rejects.toThrow(/permission denied|trigger functions can only be called as triggers/);
    // Supplied chain columns are overwritten: the trigger computes seq, prev_hash and hash.
    await asApp(async (c) => {
      await c.query(`INSERT INTO audit_events (seq, account_id, actor, action, subject_type, subject_id, prev_hash, hash)
        VALUES (1, NULL, 'test:forge', 'test.forge', 'raw', 'x', sha256('a'), sha256('b'))`);
    });
    expect(await hashesMatch('test:forge')).toEqual({ n: 1, same: 1 });
    expect((await verifyAsReader()).ok).toBe(true);
  });

  it('a checkpoint makes verification incremental', async () => {
    const cp = await createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key);
    expect(cp?.created).toBe(true);
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'after-checkpoint' });
    await startAgent(ctx, id);
    const r = await verifyAsReader('checkpoint');
    expect(r).toMatchObject({ ok: true, eventsVerified: 2, checkpoint: { seq: cp!.seq, keyId: key.keyId, signatureValid: true, keyTrusted: true } });
    expect(r.headSeq).toBe(cp!.seq + 2);
  });

  it('an event altered with triggers disabled is named by verify', async () => {
    await superuser(async (c) => {
      await c.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
      await c.query(`UPDATE audit_events SET details = details || '{"tampered": true}' WHERE seq = 5`);
      await c.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    });
    const r = await verifyAsReader('genesis');
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toEqual({ seq: 5, reason: 'event 5 was altered: its content does not match its hash' });
    // The checkpoint sits after the damage, so incremental verification still passes: the full run is what catches old tampering.
    expect((await verifyAsReader('checkpoint')).ok).toBe(true);
  });

  it('a deleted event breaks the chain at its successor', async () => {
    await superuser(async (c) => {
      await tamper(c, `DELETE FROM audit_events WHERE seq = 7`);
    });
    const r = await verifyAsReader('genesis');
    expect(r.firstBroken?.seq).toBe(5);
    await superuser(async (c) => {
      await tamper(c, `UPDATE audit_events SET details = details - 'tampered' WHERE seq = 5`);
    });
    const again = await verifyAsReader('genesis');
    expect(again.firstBroken).toEqual({ seq: 8, reason: 'expected event 7, found 8: events are missing or reordered' });
  });

  it('signs past old damage incrementally, and rejects a checkpoint under an untrusted key', async () => {
    await expect(createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)).resolves.toBeDefined(); // incremental: damage is before the checkpoint
    const other = generateKeyPairSync('ed25519');
    const r = await withClient(db.url('reader'), (c) => verifyChain(c, { from: 'checkpoint', trustedKeys: [other.publicKey], ownTransaction: true }));
    expect(r.checkpoint?.keyTrusted).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.firstBroken?.reason).toMatch(/is not trusted/);
  });

  it('refuses to sign a chain broken after the last checkpoint, and notices a rewritten checkpointed event', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'eu', name: 'late' });
    const seq = Number((await superuser((c) => c.query(`SELECT max(seq) AS m FROM audit_events WHERE subject_id = $1`, [id]))).rows[0].m);
    await superuser(async (c) => {
      await tamper(c, `UPDATE audit_events SET actor = 'someone-else' WHERE seq = $1`, [seq]);
    });
    await expect(createCheckpoint({ owner: db.pool('owner'), reader: db.pool('reader') }, key)).rejects.toMatchObject({ code: 'audit_chain_broken' });
    const cpSeq = Number((await superuser((c) => c.query(`SELECT max(seq) AS m FROM audit_checkpoints`))).rows[0].m);
    await superuser(async (c) => {
      await tamper(c, `UPDATE audit_events SET hash = sha256(hash) WHERE seq = $1`, [cpSeq]);
    });
    const r = await verifyAsReader('checkpoint');
    expect(r.firstBroken).toEqual({ seq: cpSeq, reason: `event ${cpSeq} no longer has the hash its signed checkpoint recorded` });
  });
});
