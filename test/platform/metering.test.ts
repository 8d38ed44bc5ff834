import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/db.ts';
import { adminQuery, makeAccount } from '../helpers/core-ii-fixtures.ts';
import { createVirtualKey, recordProxyRequest } from '../../platform/metering/proxy-metering.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('proxy metering without content', () => {
  it('aggregates requests per key, model and day', async () => {
    const acct = await makeAccount(db);
    const pool = db.pool('app');
    const llm = await createVirtualKey(pool, { accountId: acct, kind: 'llm' });
    const voice = await createVirtualKey(pool, { accountId: acct, kind: 'voice' });
    const at = new Date('2026-03-01T12:00:00Z');
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordProxyRequest(pool, { virtualKey: llm.key, model: 'claude-haiku', costMicros: 100 + i, units: { input: 10, output: 5 }, at })));
    await recordProxyRequest(pool, { virtualKey: voice.key, model: 'tts-1', costMicros: 50, units: { input: 300, output: 12 }, at });
    const [row] = await adminQuery(db, `SELECT requests, cost_micros, input_units, output_units, day::text FROM llm_usage_daily`);
    expect(row).toEqual({ requests: '20', cost_micros: String(20 * 100 + 190), input_units: '200', output_units: '100', day: '2026-03-01' });
    expect(await adminQuery(db, `SELECT requests FROM voice_usage_daily`)).toEqual([{ requests: '1' }]);
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const acct = await makeAccount(db);
    const pool = db.pool('app');
    const vk = await createVirtualKey(pool, { accountId: acct, kind: 'llm' });
    const before = await adminQuery(db, `SELECT sum(requests)::text AS n FROM llm_usage_daily`);
    const cases: [Parameters<typeof recordProxyRequest>[1], string][] = [
      [{ virtualKey: 'hcv_' + '0'.repeat(64), model: 'm', costMicros: 1, units: { input: 1, output: 1 } }, 'unknown_virtual_key'],
      [{ virtualKey: 'sk-foo', model: 'm', costMicros: 1, units: { input: 1, output: 1 } }, 'malformed_virtual_key'],
      [{ virtualKey: vk.key, model: 'a prompt with spaces', costMicros: 1, units: { input: 1, output: 1 } }, 'invalid_model'],
      [{ virtualKey: vk.key, model: 'm', costMicros: -1, units: { input: 1, output: 1 } }, 'invalid_usage'],
    ];
    for (const [req, code] of cases) await expect(recordProxyRequest(pool, req)).rejects.toThrow(expect.objectContaining({ code }));
    expect(await adminQuery(db, `SELECT sum(requests)::text AS n FROM llm_usage_daily`)).toEqual(before);
  });

  it('no metering table has a column that could hold a body', async () => {
    const cols = await adminQuery(
      db,
      `SELECT table_name, column_name, data_type, character_maximum_length FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name ~ '(usage|proxy|llm|voice|meter)' ORDER BY 1, 2`,
    );
    expect(cols.length).toBeGreaterThan(10);
    expect(cols.filter((c) => /(body|prompt|response|content|message|transcript|text)/.test(c.column_name))).toEqual([]);
    // nothing unbounded and textual in our metering tables
    const ours = cols.filter((c) => ['llm_usage_daily', 'voice_usage_daily', 'proxy_virtual_keys'].includes(c.table_name));
    expect(ours.filter((c) => ['text', 'jsonb', 'json', 'bytea'].includes(c.data_type) || (c.data_type === 'character varying' && c.character_maximum_length > 64))).toEqual([]);
  });
});
