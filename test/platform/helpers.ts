/** Shared setup for the platform tests: a migrated database with regions synced and a few accounts. */
import { createTestDatabase } from '../helpers/db.ts';
import { setCallerEventTime } from '../../platform/audit/clock.ts';
import { createAccount, platformContext, syncRegions, type PlatformContext } from '../../platform/services.ts';

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
