import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { platformFixture, type TestDb } from './helpers.ts';
import { cloneAgent, destroyAgent, provisionAgent, startAgent, stopAgent, transferAgent } from '../../platform/agents/service.ts';
import { verifyChain } from '../../platform/audit/verify.ts';
import { PlatformError } from '../../platform/kernel/errors.ts';
import { platformContext, type PlatformContext } from '../../platform/services.ts';
import { seededRandom } from '../../platform/demo/prng.ts';

let db: TestDb;
let accounts: string[];
let admin: pg.Client;
const CLIENTS = 8;
const OPERATIONS = 2000;
const AGENTS = 20;

beforeAll(async () => {
  ({ db, accounts } = await platformFixture(['one', 'two', 'three']));
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

describe('8 concurrent clients, 2,000 random lifecycle operations on 20 agents', () => {
  it('keeps periods, transfer boundaries, usage and the audit chain consistent', async () => {
    const app = new pg.Pool({ connectionString: db.url('app'), max: CLIENTS });
    const ctx: PlatformContext = platformContext(app, { actor: 'test:concurrency', accounts });
    const slots: string[] = [];
    for (let i = 0; i < AGENTS; i++) slots.push(await provisionAgent(ctx, { accountId: accounts[i % 3], region: i % 2 ? 'eu' : 'us', name: `c${i}` }));
    const rand = seededRandom(42);
    let next = 0;
    const outcomes = { ok: 0, refused: 0 };
    const escaped: unknown[] = [];

    async function worker() {
      while (next < OPERATIONS) {
        next++;
        const slot = Math.floor(rand() * AGENTS);
        const id = slots[slot];
        const roll = rand();
        try {
          if (roll < 0.35) await startAgent(ctx, id);
          else if (roll < 0.7) await stopAgent(ctx, id);
          else if (roll < 0.93) await transferAgent(ctx, id, accounts[Math.floor(rand() * 3)]);
          else if (roll < 0.96) await cloneAgent(ctx, id, { image: 'sha256:' + 'd'.repeat(64) });
          else {
            await destroyAgent(ctx, id);
            slots[slot] = await provisionAgent(ctx, { accountId: accounts[slot % 3], region: 'eu', name: `r${slot}` });
          }
          outcomes.ok++;
        } catch (e) {
          // Refusals (already running, same account, destroyed by another client) are answers, not failures.
          if (e instanceof PlatformError && ['invalid_state', 'same_account', 'agent_not_found'].includes(e.code)) outcomes.refused++;
          else escaped.push(e);
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, worker));
    await app.end();
    expect(escaped).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(500);

    const overlaps = await admin.query(`SELECT count(*)::int AS n FROM agent_state_periods a JOIN agent_state_periods b
      ON a.agent_id = b.agent_id AND a.id < b.id AND a.period && b.period`);
    expect(overlaps.rows[0].n).toBe(0);

    // Consecutive periods of an agent touch, and every change of account there is a transfer event at that instant.
    const boundaries = (
      await admin.query(`
      SELECT agent_id, upper(prev) AS prev_end, lower(period) AS start, prev_account, account_id
        FROM (SELECT agent_id, account_id, period, lag(period) OVER w AS prev, lag(account_id) OVER w AS prev_account
                FROM agent_state_periods WINDOW w AS (PARTITION BY agent_id ORDER BY lower(period))) x
       WHERE prev IS NOT NULL`)
    ).rows;
    expect(boundaries.filter((b) => b.prev_end.getTime() !== b.start.getTime())).toEqual([]);
    const transfers = (await admin.query(`SELECT subject_id, occurred_at, details FROM audit_events WHERE action = 'agent.transferred'`)).rows;
    const byKey = new Map(transfers.map((t) => [`${t.subject_id}@${t.occurred_at.toISOString()}`, t.details]));
    const accountChanges = boundaries.filter((b) => b.prev_account !== b.account_id);
    expect(accountChanges.length).toBeGreaterThan(50);
    expect(transfers.length).toBe(accountChanges.length);
    for (const b of accountChanges) {
      expect(byKey.get(`${b.agent_id}@${b.start.toISOString()}`)).toMatchObject({ from_account_id: b.prev_account, to_account_id: b.account_id });
    }

    // Usage per agent and account equals the closed periods' durations, to the microsecond.
    const usage = await admin.query(`
      WITH p AS (SELECT agent_id, account_id, sum(extract(epoch FROM upper(period) - lower(period))) AS s
                   FROM agent_state_periods WHERE NOT upper_inf(period) GROUP BY 1, 2),
           u AS (SELECT agent_id, account_id, sum(running_seconds + paused_seconds) AS s FROM agent_usage_daily GROUP BY 1, 2)
      SELECT count(*)::int AS n, count(*) FILTER (WHERE p.s IS DISTINCT FROM u.s)::int AS differ
        FROM p FULL JOIN u USING (agent_id, account_id)`);
    expect(usage.rows[0]).toMatchObject({ differ: 0 });
    expect(usage.rows[0].n).toBeGreaterThan(AGENTS);

    const reader = new pg.Client({ connectionString: db.url('reader') });
    await reader.connect();
    const chain = await verifyChain(reader, { ownTransaction: true });
    await reader.end();
    expect(chain.ok).toBe(true);
    const events = (await admin.query('SELECT count(*)::int AS n FROM audit_events')).rows[0].n;
    expect(chain.eventsVerified).toBe(events);
    const lifecycle = (await admin.query(`SELECT count(*)::int AS n FROM audit_events WHERE action IN ('agent.started','agent.stopped','agent.transferred','agent.cloned','agent.destroyed')`)).rows[0]
      .n;
    expect(lifecycle).toBe(outcomes.ok);
  });
});
