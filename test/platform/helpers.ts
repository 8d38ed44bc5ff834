/** Shared setup for the platform tests: a migrated database with regions synced and a few accounts. */
import type pg from 'pg';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { setCallerEventTime } from '../../platform/audit/clock.ts';
import { createAccount, platformContext, syncRegions, type PlatformContext } from '../../platform/services.ts';
import { provisionAgent, startAgent, stopAgent } from '../../platform/agents/service.ts';

export type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

export async function platformFixture(accountNames: string[] = ['alpha', 'beta']): Promise<{ db: TestDb; accounts: string[]; ctx: PlatformContext }> {
  const db = await createTestDatabase();
  await syncRegions(db.pool('owner'));
  // Platform tests pin event times (ctx.clock, `at:`), as the demo does: the owner allows it
  // here. test/platform/audit-attacks.test.ts switches it off to test the database's clock.
  await setCallerEventTime(db.pool('owner'), true);
  const bootstrap = platformContext(db.pool('app'), { actor: 'test:setup' });
  const accounts: string[] = [];
  for (const name of accountNames) accounts.push(await createAccount(bootstrap, { name }));
  return { db, accounts, ctx: platformContext(db.pool('app'), { actor: 'test:operator', accounts }) };
}

/**
 * The chain the audit tests verify: the platform's own events for a few agents, then rows a
 * superuser writes with characters COPY escapes (tab, newline, CR, backslash, \b \f \v) and
 * non-ASCII, which must hash the same way in both places, and timestamps whose text form
 * trims the fraction differently, up to the far end of the range.
 */
export async function auditFixture(): Promise<{ db: TestDb; accounts: string[]; ctx: PlatformContext }> {
  const fixture = await platformFixture();
  const { db, ctx, accounts } = fixture;
  for (let i = 0; i < 3; i++) {
    const id = await provisionAgent(ctx, { accountId: accounts[i % 2], region: i % 2 ? 'eu' : 'us', name: `a${i}`, env: { tab: 'a\tb', nl: 'x\ny', bs: 'c:\\d' } });
    await startAgent(ctx, id);
    await stopAgent(ctx, id);
  }
  await withClient(db.adminUrl, async (c) => {
    await c.query(`INSERT INTO audit_events (account_id, actor, action, subject_type, subject_id, details)
    VALUES (NULL, E'op:\\t\tx\ny\rz\bq\fw\v', 'test.escaping', 'raw', E'a\\b', jsonb_build_object('s', E'é\t\\n"q"', 'n', 1.50))`);
    await c.query(
      `INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details)
    SELECT t::timestamptz, $1, 'test:time', 'test.timestamps', 'raw', t, jsonb_build_object('k', E'back\\slash', 'ctl', E'\x01\x0b') FROM unnest(ARRAY[
      '2026-01-01 00:00:10+00', '2026-01-01 00:00:00.5+00', '2026-01-01 00:00:00.000001+00', '2000-01-01 00:00:00+00',
      '2099-12-31 23:59:59.999999+00', '2288-02-29 13:14:15.16+00', '9998-06-01 12:00:00.25+00']) t`,
      [accounts[0]],
    );
  });
  return fixture;
}

/**
 * Damage done by a superuser behind the platform's back, on `c`. The immutability guards fire
 * in replica sessions too (ENABLE ALWAYS, migration 0240): they are switched off around the
 * one statement, inside its transaction, and back on as they were.
 */
export async function tamperAuditEvents(c: pg.Client, sql: string, params: unknown[] = []): Promise<void> {
  const guards = ['audit_events_no_update', 'audit_events_no_delete', 'audit_events_no_change'];
  await c.query('BEGIN');
  await c.query('SET LOCAL session_replication_role = replica');
  for (const t of guards) await c.query(`ALTER TABLE audit_events DISABLE TRIGGER ${t}`);
  await c.query(sql, params);
  for (const t of guards) await c.query(`ALTER TABLE audit_events ENABLE ALWAYS TRIGGER ${t}`);
  await c.query('COMMIT');
}
