/**
 * Audit workloads on a freshly migrated platform database. Every event goes through
 * the chaining trigger (BEFORE INSERT on audit_events): bulk generation uses large
 * INSERT ... SELECT generate_series statements, and the trigger still hashes and
 * chains each row.
 */
import pg from 'pg';
import { generateKeyPairSync } from 'node:crypto';
import type { BenchServer } from '../servers.ts';
import type { Database } from '../../../platform/db/index.ts';

export interface PlatformDatabase {
  name: string;
  /** Superuser URL of this database. */
  adminUrl: string;
  db: Database;
  drop(): Promise<void>;
}

/** A new database on the platform server with the roles bootstrapped and every migration applied. */
export async function createPlatformDatabase(server: BenchServer, name: string): Promise<PlatformDatabase> {
  const adminUrl = await server.createDatabase(name);
  const [{ openDatabase }, { migrate }] = await Promise.all([import('../../../platform/db/index.ts'), import('../../../platform/db/migrate.ts')]);
  const db = await openDatabase({ adminUrl });
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    await server.dropDatabase(name);
    throw e;
  }
  return {
    name,
    adminUrl,
    db,
    async drop() {
      await db.close();
      await server.dropDatabase(name);
    },
  };
}

/** Content columns of a synthetic event number `g` (a SQL expression over g). */
export const EVENT_SELECT = `
  SELECT timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
         md5((g % 997)::text)::uuid,
         'system:bench',
         (ARRAY['agent.started', 'agent.stopped', 'agent.transferred', 'vm.provisioned'])[1 + g % 4],
         'agent',
         'agent-' || (g % 10007),
         jsonb_build_object('n', g, 'region', CASE WHEN g % 2 = 0 THEN 'us' ELSE 'eu' END)
    FROM generate_series($1::bigint, $2::bigint) g`;

/** Appends `count` chained events (numbered from `from`) in batches of `batch`, one transaction per batch. */
export async function appendEvents(adminUrl: string, from: number, count: number, batch = 100_000, progress?: (done: number) => void): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (let i = 0; i < count; i += batch) {
      const hi = Math.min(count, i + batch);
      await c.query(`INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details) ${EVENT_SELECT}`, [from + i, from + hi - 1]);
      progress?.(hi);
    }
  } finally {
    await c.end();
  }
}

/** An in-memory Ed25519 checkpoint key: the bench never writes a key file. */
export async function benchCheckpointKey() {
  const { keyIdOf } = await import('../../../platform/audit/keys.ts');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), source: 'development' as const };
}
