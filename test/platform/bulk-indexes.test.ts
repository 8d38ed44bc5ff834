/**
 * `trust demo --bulk` builds the audit events' and the daily usage's indexes after their COPY
 * (platform/demo/bulk-indexes.ts, a speed trick). After the build, every index, constraint and
 * trigger of the schema is as the migrations made it (the same names and definitions, valid,
 * the partitions' indexes attached to their parent's), and as the build with the indexes kept
 * during the COPY (TRUST_BULK_DEFERRED_INDEXES=0) leaves it, with the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { BULK_DEFERRED_INDEXES_SWITCH } from '../../platform/demo/bulk-indexes.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let migrated: Db;
let deferred: Db;
let kept: Db;

beforeAll(async () => {
  process.env.TRUST_KEYRING ??= JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': new Date().toISOString() } });
  migrated = await createTestDatabase();
  deferred = await createTestDatabase();
  kept = await createTestDatabase();
  await runBulkDemo(deferred, { scale: 1, seed: 6, log: () => {} });
  process.env[BULK_DEFERRED_INDEXES_SWITCH] = '0';
  try {
    await runBulkDemo(kept, { scale: 1, seed: 6, log: () => {} });
  } finally {
    delete process.env[BULK_DEFERRED_INDEXES_SWITCH];
  }
}, 600_000);
afterAll(async () => {
  await Promise.all([migrated?.drop(), deferred?.drop(), kept?.drop()]);
});

/** Every index, constraint and trigger of the public schema, as sorted lines. */
async function schema(db: Db): Promise<Record<string, string[]>> {
  return withClient(db.adminUrl, async (c) => {
    const lines = async (sql: string) => (await c.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => r.join(' | ')).sort();
    return {
      indexes: await lines(`
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready, coalesce((SELECT p.inhparent::regclass::text FROM pg_inherits p WHERE p.inhrelid = i.indexrelid), '-')
          FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE t.relnamespace = 'public'::regnamespace`),
      constraints: await lines(`
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace`),
      triggers: await lines(`
        SELECT tgrelid::regclass::text, CASE WHEN tgisinternal THEN (SELECT conname FROM pg_constraint WHERE oid = tgconstraint) || ' ' || tgtype ELSE pg_get_triggerdef(oid) END, tgenabled::text
          FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)`),
    };
  });
}

describe('trust demo --bulk: indexes built after the COPY', () => {
  it('leave the indexes, constraints and triggers the migrations made, as the build keeping them', async () => {
    const [m, d, k] = await Promise.all([schema(migrated), schema(deferred), schema(kept)]);
    expect(m.indexes.some((x) => x.startsWith('audit_events_y') && x.includes('_pkey'))).toBe(true);
    expect(d).toEqual(m);
    expect(k).toEqual(m);
  });

  it('load the same rows', async () => {
    const rows = (db: Db) =>
      withClient(db.adminUrl, async (c) => {
        const r = await c.query(`
          SELECT (SELECT count(*) FROM audit_events) AS events, (SELECT count(DISTINCT seq) FROM audit_events) AS seqs,
                 (SELECT md5(string_agg(concat_ws(' ', agent_id, account_id, day, running_seconds, paused_seconds), ',' ORDER BY agent_id, account_id, day)) FROM agent_usage_daily) AS usage,
                 (SELECT md5(string_agg(action || subject_id, ',' ORDER BY action, subject_id)) FROM audit_events WHERE action LIKE 'agent.%') AS actions`);
        return r.rows[0];
      });
    const [d, k] = await Promise.all([rows(deferred), rows(kept)]);
    expect(Number(d.events)).toBeGreaterThan(10_000);
    expect(d.seqs).toBe(d.events);
    expect(d).toEqual(k);
  });
});
