/** Applies `platform/migrations` as the owner role. Idempotent; node-pg-migrate holds a lock. */
import { runner } from 'node-pg-migrate';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './index.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export async function migrate(db: Database, log: (m: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl: db.url('owner'),
    dir: MIGRATIONS_DIR,
    migrationsTable: 'pgmigrations',
    direction: 'up',
    count: Infinity,
    checkOrder: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  } as Parameters<typeof runner>[0]);
  return applied.map((m) => m.name);
}
