/**
 * Transactions for platform services.
 *
 * Row-level security is keyed on the accounts a transaction acts for: we set
 * `trust.account_ids` (comma-separated uuids) with SET LOCAL, and every policy reads
 * it through the SQL function `current_account_ids()`. A transfer acts for two
 * accounts at once. Serialization failures and deadlocks are retried, so callers
 * never see them.
 */
import type pg from 'pg';
import { randomInt } from 'node:crypto';

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface TxOptions {
  /** Accounts this transaction may see and write (row-level security). */
  accounts?: string[];
  isolation?: Isolation;
  /** Attempts on serialization failure / deadlock (SQLSTATE 40001, 40P01). */
  retries?: number;
}

const RETRYABLE = new Set(['40001', '40P01']);

export async function withTransaction<T>(pool: pg.Pool, opts: TxOptions, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const attempts = opts.retries ?? 20;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${(opts.isolation ?? 'read committed').toUpperCase()}`);
      await client.query(`SELECT set_config('trust.account_ids', $1, true)`, [(opts.accounts ?? []).join(',')]);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      const code = (e as { code?: string }).code ?? '';
      if (RETRYABLE.has(code) && attempt < attempts) {
        // Jittered backoff: contenders that retry in lockstep collide again.
        await new Promise((r) => setTimeout(r, randomInt(1, 10 * attempt + 2)));
        continue;
      }
      throw e;
    } finally {
      client.release();
    }
  }
}
