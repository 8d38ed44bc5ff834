/**
 * LLM and voice proxy metering without content. A request is reduced to its virtual
 * key, model, cost and unit counts and added to a daily aggregate; nothing else about
 * it reaches the database (the tables have no column that could hold a body).
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/tx.ts';
import { PlatformError } from '../kernel/errors.ts';
import { sha256Hex } from '../identity/secret-hash.ts';

export type ProxyKind = 'llm' | 'voice';
const VIRTUAL_KEY_PATTERN = /^hcv_[0-9a-f]{64}$/;
const MODEL_PATTERN = /^[A-Za-z0-9._:/-]{1,64}$/;
const TABLE: Record<ProxyKind, string> = { llm: 'llm_usage_daily', voice: 'voice_usage_daily' };

export async function createVirtualKey(pool: pg.Pool, input: { accountId: string; kind: ProxyKind }): Promise<{ id: string; key: string; displayPrefix: string }> {
  const key = `hcv_${randomBytes(32).toString('hex')}`;
  const displayPrefix = key.slice(0, 8);
  const r = await withTransaction(pool, { accounts: [input.accountId] }, (c) =>
    c.query<{ id: string }>(`INSERT INTO proxy_virtual_keys (account_id, kind, key_hash, display_prefix) VALUES ($1, $2, $3, $4) RETURNING id`, [
      input.accountId,
      input.kind,
      sha256Hex(key),
      displayPrefix,
    ]),
  );
  return { id: r.rows[0].id, key, displayPrefix };
}

export interface ProxyRequest {
  virtualKey: string;
  model: string;
  costMicros: number;
  units: { input: number; output: number };
  /** Defaults to now (UTC day). */
  at?: Date;
}

function nonNegativeInt(v: unknown, field: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new PlatformError('invalid_usage', `${field} must be a non-negative integer`);
  return v as number;
}

/** Adds one proxied request to its daily aggregate; typed errors for unknown/revoked keys and bad numbers. */
export async function recordProxyRequest(pool: pg.Pool, req: ProxyRequest): Promise<void> {
  if (typeof req.virtualKey !== 'string' || !VIRTUAL_KEY_PATTERN.test(req.virtualKey)) throw new PlatformError('malformed_virtual_key', 'virtual key is malformed');
  if (typeof req.model !== 'string' || !MODEL_PATTERN.test(req.model)) throw new PlatformError('invalid_model', 'model name must be 1..64 of [A-Za-z0-9._:/-]');
  const cost = nonNegativeInt(req.costMicros, 'costMicros');
  const input = nonNegativeInt(req.units?.input, 'units.input');
  const output = nonNegativeInt(req.units?.output, 'units.output');
  const day = (req.at ?? new Date()).toISOString().slice(0, 10);
  const hash = sha256Hex(req.virtualKey);
  const key = await withTransaction(pool, {}, async (c) => {
    await c.query(`SELECT set_config('trust.lookup_hash', $1, true)`, [hash]);
    return (await c.query<{ id: string; account_id: string; kind: ProxyKind; revoked_at: Date | null }>(`SELECT id, account_id, kind, revoked_at FROM proxy_virtual_keys WHERE key_hash = $1`, [hash]))
      .rows[0];
  });
  if (!key) throw new PlatformError('unknown_virtual_key', 'virtual key is not known');
  if (key.revoked_at) throw new PlatformError('revoked_virtual_key', 'virtual key was revoked');
  await withTransaction(pool, { accounts: [key.account_id] }, (c) =>
    c.query(
      `INSERT INTO ${TABLE[key.kind]} AS u (account_id, virtual_key_id, model, day, requests, cost_micros, input_units, output_units)
       VALUES ($1, $2, $3, $4, 1, $5, $6, $7)
       ON CONFLICT (account_id, virtual_key_id, model, day) DO UPDATE SET
         requests = u.requests + 1, cost_micros = u.cost_micros + EXCLUDED.cost_micros,
         input_units = u.input_units + EXCLUDED.input_units, output_units = u.output_units + EXCLUDED.output_units`,
      [key.account_id, key.id, req.model, day, cost, input, output],
    ),
  );
}
