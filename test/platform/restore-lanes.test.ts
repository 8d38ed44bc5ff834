/**
 * The restore test's two loads (platform/backup/restore-lanes.ts, a speed trick, and the plain
 * way, restore-plain.ts) restore the same rows from the same backup, leave the scratch
 * database's triggers as each other, and refuse an altered file alike. The data is a bulk demo
 * at scale 1: about 10,000 events and periods, so the large tables are spread over the lanes,
 * and a chain head past seq 9999, whose digits outnumber the first ones (the backup once read
 * its head ordered as text, and missed the partitioned audit_events altogether).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { backupDir, latestBackup, readHeader, restoreBackup, RESTORE_JOB } from '../../platform/backup/backup.ts';
import { RESTORE_LANES_SWITCH } from '../../platform/backup/restore-lanes.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let file: string;

beforeAll(async () => {
  process.env.TRUST_KEYRING ??= JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': new Date().toISOString() } });
  db = await createTestDatabase();
  await runBulkDemo(db, { scale: 1, seed: 5, log: () => {} });
  file = latestBackup(backupDir(db.name))!;
}, 600_000);
afterAll(async () => {
  await db?.drop();
});

/** Restores the backup one way into a kept scratch database; returns what it holds, then drops it. */
async function restoreWith(lanes: boolean) {
  const before = process.env[RESTORE_LANES_SWITCH];
  process.env[RESTORE_LANES_SWITCH] = lanes ? '1' : '0';
  let r;
  try {
    r = await restoreBackup(db, file, { keep: true });
  } finally {
    if (before === undefined) delete process.env[RESTORE_LANES_SWITCH];
    else process.env[RESTORE_LANES_SWITCH] = before;
  }
  const url = new URL(db.adminUrl);
  url.pathname = '/' + r.scratch;
  try {
    const held = await withClient(url.toString(), async (c) => {
      const tables = (await c.query<{ t: string }>(`SELECT c.relname AS t FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1`)).rows;
      const rows: Record<string, string> = {};
      for (const { t } of tables) {
        // Every row as text, in a stable order: equal digests mean equal contents.
        const q = await c.query(`SELECT count(*) || ' ' || md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS d FROM public.${pg.escapeIdentifier(t)} x`);
        rows[t] = q.rows[0].d;
      }
      // Foreign-key triggers by their constraint: their own names carry OIDs.
      const triggers = (
        await c.query(
          `SELECT tgrelid::regclass::text || ' ' || CASE WHEN tgisinternal THEN (SELECT conname FROM pg_constraint WHERE oid = tgconstraint) || ' ' || tgtype ELSE tgname END || ' ' || tgenabled::text AS t FROM pg_trigger ORDER BY 1`,
        )
      ).rows.map((x) => x.t);
      const sequences = (await c.query(`SELECT sequencename || ' ' || last_value AS s FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows.map((x) => x.s);
      return { rows, triggers, sequences };
    });
    return { result: r, ...held };
  } finally {
    await withClient(db.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(r.scratch)} WITH (FORCE)`));
  }
}

describe('restore test: lanes and the plain way', () => {
  it("the demo's restore test verified the chain up to the backup's head", async () => {
    const job = await withClient(db.adminUrl, (c) => c.query(`SELECT status, details FROM job_runs WHERE job = $1 ORDER BY id DESC LIMIT 1`, [RESTORE_JOB]));
    expect(job.rows[0].status).toBe('succeeded');
    const d = job.rows[0].details;
    expect(d.head_seq).toBeGreaterThan(9999);
    expect([d.counts_match, d.head_match, d.chain_verified]).toEqual([true, true, true]);
  });

  it('restore the same rows, sequences and trigger states', async () => {
    const lanes = await restoreWith(true);
    const plain = await restoreWith(false);
    for (const x of [lanes, plain]) {
      expect(x.result.countsMatch && x.result.headMatch && x.result.chainVerified).toBe(true);
      expect(x.result.headSeq).toBeGreaterThan(9999);
    }
    expect(Number(lanes.rows.agent_state_periods.split(' ')[0])).toBeGreaterThan(5_000);
    expect(lanes.rows).toEqual(plain.rows);
    expect(lanes.sequences).toEqual(plain.sequences);
    expect(lanes.triggers).toEqual(plain.triggers);
  }, 300_000);

  it('refuse a backup changed by one byte, both ways, and leave no scratch database', async () => {
    const h = readHeader(file)!;
    for (const lanes of ['1', '0']) {
      process.env[RESTORE_LANES_SWITCH] = lanes;
      try {
        await expect(restoreBackup(db, file, { tamperAt: Math.floor((h.size - h.bodyStart) / 2) })).rejects.toThrow(/does not decrypt|authentication/);
      } finally {
        delete process.env[RESTORE_LANES_SWITCH];
      }
    }
    const left = await withClient(db.adminUrl, (c) => c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${db.name.slice(0, 40)}_restore_%`]));
    expect(left.rows).toEqual([]);
  }, 300_000);
});
