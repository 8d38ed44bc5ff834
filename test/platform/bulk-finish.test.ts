/**
 * `trust demo --bulk` with core II beside the verification, the backup and the restore test
 * (platform/demo/bulk-finish.ts, a speed trick) and with the steps one after another
 * (TRUST_BULK_OVERLAP=0) leave the same platform for the same seed: the same rows in every
 * table that the PRNG decides (core II's OAuth connections, SSH keys, metering, tool
 * decisions, users and keys), the same events per action and account, checkpoints at the same
 * heads, and both job runs succeeded with the chain verified in the restored copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { BULK_OVERLAP_SWITCH } from '../../platform/demo/bulk-finish.ts';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let overlapped: Db;
let sequential: Db;

beforeAll(async () => {
  process.env.TRUST_KEYRING ??= JSON.stringify({ active: 1, keys: { '1': randomBytes(32).toString('base64') }, created: { '1': new Date().toISOString() } });
  overlapped = await createTestDatabase();
  sequential = await createTestDatabase();
  await runBulkDemo(overlapped, { scale: 1, seed: 4, log: () => {} });
  process.env[BULK_OVERLAP_SWITCH] = '0';
  try {
    await runBulkDemo(sequential, { scale: 1, seed: 4, log: () => {} });
  } finally {
    delete process.env[BULK_OVERLAP_SWITCH];
  }
}, 600_000);
afterAll(async () => {
  await overlapped?.drop();
  await sequential?.drop();
});

/** The account core II creates and purges: its id comes from the CSPRNG. */
const ACCOUNT = `CASE WHEN account_id IN (SELECT id FROM accounts WHERE name LIKE 'Demo account %') THEN account_id::text ELSE 'leaving' END`;

/** What the seed decides, as sorted lines per query (ids and secrets drawn from the CSPRNG left out). */
const SHAPE: Record<string, string> = {
  events: `SELECT action, regexp_replace(actor, '^user:[0-9a-f-]{36}$', 'user:*'), ${ACCOUNT}, count(*) FROM audit_events GROUP BY 1, 2, 3`,
  checkpoints: `SELECT seq FROM audit_checkpoints`,
  oauth: `SELECT account_id, provider, status FROM oauth_connections`,
  sshKeys: `SELECT account_id, name, public_key FROM ssh_public_keys`,
  llm: `SELECT ${ACCOUNT}, model, day, requests, cost_micros, input_units, output_units FROM llm_usage_daily`,
  voice: `SELECT account_id, model, day, requests, cost_micros, input_units, output_units FROM voice_usage_daily`,
  approvals: `SELECT agent_id, tool, status, decided_by FROM tool_approvals`,
  skills: `SELECT agent_id, skill, enabled FROM agent_skills`,
  users: `SELECT account_id, email FROM users`,
  apiKeys: `SELECT account_id, name, tier, revoked_at IS NULL FROM api_keys`,
  secrets: `SELECT agent_id, account_id, name FROM agent_secrets`,
  jobs: `SELECT job, status, details->>'counts_match', details->>'head_match', details->>'chain_verified' FROM job_runs`,
};

async function shape(db: Db): Promise<Record<string, string[]>> {
  return withClient(db.adminUrl, async (c) => {
    const out: Record<string, string[]> = {};
    const tables = (await c.query<{ t: string }>(`SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1`)).rows;
    out.counts = [];
    for (const { t } of tables) out.counts.push(`${t} ${(await c.query(`SELECT count(*) AS n FROM public."${t}"`)).rows[0].n}`);
    for (const [k, sql] of Object.entries(SHAPE)) out[k] = (await c.query({ text: sql, rowMode: 'array' })).rows.map((r: unknown[]) => r.join(' ')).sort();
    return out;
  });
}

describe('trust demo --bulk: core II beside the backup and restore test', () => {
  it('leaves the same platform as the steps one after another', async () => {
    const [a, b] = await Promise.all([shape(overlapped), shape(sequential)]);
    expect(a.oauth.length).toBeGreaterThan(0);
    expect(a.jobs).toContain('backup.restore_test succeeded true true true');
    expect(a).toEqual(b);
  });

  it("analyzes the chain's small tables before core II (never analyzed, they are costed as 10 pages and JIT-compiled per event)", async () => {
    const r = await withClient(overlapped.adminUrl, (c) => c.query(`SELECT relname, reltuples FROM pg_class WHERE relname IN ('event_chain_head', 'event_time_policy') ORDER BY 1`));
    expect(r.rows).toEqual([
      { relname: 'event_chain_head', reltuples: 1 },
      { relname: 'event_time_policy', reltuples: 1 },
    ]);
  });
});
