/**
 * The bulk demo's metering: many proxied requests of one account reduced to their daily
 * aggregates in Node and upserted in one transaction, instead of two transactions per
 * request (recordProxyRequest). The rows are the ones recordProxyRequest leaves for the same
 * requests (test/platform/bulk-demo.test.ts compares both ways); only for keys the caller has
 * just created for that account, so the key lookup recordProxyRequest does is not needed.
 */
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import type { ProxyKind, ProxyRequest } from '../metering/proxy-metering.ts';

const TABLE: Record<ProxyKind, string> = { llm: 'llm_usage_daily', voice: 'voice_usage_daily' };

export async function recordDailyUsage(app: pg.Pool, accountId: string, keys: { id: string; key: string; kind: ProxyKind }[], requests: ProxyRequest[]): Promise<void> {
  const byKey = new Map(keys.map((k) => [k.key, k]));
  const days = new Map<string, { kind: ProxyKind; virtual_key_id: string; model: string; day: string; requests: number; cost_micros: number; input_units: number; output_units: number }>();
  for (const r of requests) {
    const k = byKey.get(r.virtualKey);
    if (!k) throw new Error('recordDailyUsage: a request names a key that was not given');
    const day = (r.at ?? new Date()).toISOString().slice(0, 10);
    const id = `${k.id}|${r.model}|${day}`;
    const d = days.get(id) ?? { kind: k.kind, virtual_key_id: k.id, model: r.model, day, requests: 0, cost_micros: 0, input_units: 0, output_units: 0 };
    d.requests++;
    d.cost_micros += r.costMicros;
    d.input_units += r.units.input;
    d.output_units += r.units.output;
    days.set(id, d);
  }
  await withTransaction(app, { accounts: [accountId] }, async (c) => {
    for (const kind of ['llm', 'voice'] as const) {
      const rows = [...days.values()].filter((d) => d.kind === kind);
      if (!rows.length) continue;
      await c.query(
        `INSERT INTO ${TABLE[kind]} AS u (account_id, virtual_key_id, model, day, requests, cost_micros, input_units, output_units)
         SELECT $1, r.virtual_key_id, r.model, r.day, r.requests, r.cost_micros, r.input_units, r.output_units
           FROM jsonb_to_recordset($2) AS r(virtual_key_id uuid, model text, day date, requests bigint, cost_micros bigint, input_units bigint, output_units bigint)
         ON CONFLICT (account_id, virtual_key_id, model, day) DO UPDATE SET
           requests = u.requests + EXCLUDED.requests, cost_micros = u.cost_micros + EXCLUDED.cost_micros,
           input_units = u.input_units + EXCLUDED.input_units, output_units = u.output_units + EXCLUDED.output_units`,
        [accountId, JSON.stringify(rows)],
      );
    }
  });
}
