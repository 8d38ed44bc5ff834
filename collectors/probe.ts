/**
 * Enforcement probes: the one place the gate acts as the platform's runtime role.
 *
 * A probe attempts a forbidden act (UPDATE an audit row, read another account's rows,
 * store plaintext in an encrypted column, ...) on the runtime role's own connection, so
 * the database judges it with that role's privileges, row-level security and triggers.
 * Everything happens in ONE transaction that is always rolled back, each attempt in its
 * own savepoint rolled back at once: aborting a subtransaction releases the locks it
 * took, so no lock outlives an attempt, and nothing is ever committed. Short lock and
 * statement timeouts bound what an attempt can cost the platform it audits.
 *
 * Attempts must not consume sequence values (nextval is not undone by ROLLBACK): a probe
 * updates existing rows, inserts into tables keyed by uuid, or supplies the identity value.
 */
import type pg from 'pg';
import type { Database } from '../platform/db/index.ts';

export interface ProbeAttempt {
  /** The accounts the attempt acts for (`trust.account_ids`, as platform/db/tx.ts sets it). */
  accounts: string[];
  sql: string;
  params?: unknown[];
}

/** What the database did with one attempt: raised (with its SQLSTATE) or completed. */
export type ProbeResult = { raised: true; sqlstate: string; message: string } | { raised: false; rowCount: number; rows: Record<string, unknown>[] };

export type RuntimeAccess =
  | {
      available: true;
      /** current_user of the probe session, so the evidence says who was refused. */
      role: string;
      /** One attempt in its own savepoint, rolled back whatever happens. */
      attempt(a: ProbeAttempt): Promise<ProbeResult>;
    }
  | { available: false; reason: string };

/** Why probes did not run when the gate has no runtime credential (the site shows it). */
export const NO_RUNTIME_CREDENTIAL = 'no runtime credential; set TRUST_RUNTIME_URL';

/**
 * Bounds per attempt. A lock wait longer than this means someone holds the row or table;
 * the attempt reports lock_not_available (55P03) instead of queueing the platform behind it.
 */
const LOCK_TIMEOUT = '100ms';
const STATEMENT_TIMEOUT = '2s';

/** Opens the runtime role's probe transaction, or says why probes cannot run. */
export async function openRuntime(db: Database): Promise<{ access: RuntimeAccess; close(): Promise<void> }> {
  const none = async () => {};
  if (!db.has('app')) return { access: { available: false, reason: NO_RUNTIME_CREDENTIAL }, close: none };
  let client: pg.PoolClient;
  try {
    client = await db.pool('app').connect();
  } catch (e) {
    return { access: { available: false, reason: `cannot connect as the runtime role: ${(e as Error).message}` }, close: none };
  }
  let broken = false;
  let role: string;
  try {
    // READ WRITE on purpose: a probe must reach the guard, not be stopped by a read-only transaction.
    const r = (await client.query(
      `BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE;
       SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'; SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}';
       SET LOCAL application_name = 'trust-gate-probe';
       SELECT current_user::text AS role`,
    )) as unknown as pg.QueryResult[];
    role = r[r.length - 1].rows[0].role as string;
  } catch (e) {
    client.release(true);
    // A hot standby refuses READ WRITE ("cannot set transaction read-write mode during
    // recovery"): the runtime URL must name the primary even when the reader is a replica.
    const standby = /during recovery/i.test((e as Error).message)
      ? '; TRUST_RUNTIME_URL points at a hot standby, which refuses every write: point it at the primary (the reader may stay on the replica)'
      : '';
    return { access: { available: false, reason: `cannot open the probe transaction as the runtime role: ${(e as Error).message}${standby}` }, close: none };
  }
  let n = 0;
  const access: RuntimeAccess = {
    available: true,
    role,
    async attempt(a) {
      const sp = `trust_probe_${++n}`;
      const accounts = a.accounts.join(',');
      if (!/^[0-9a-f,-]*$/i.test(accounts)) throw new Error(`probe accounts must be uuids: ${accounts}`);
      await client.query(`SAVEPOINT ${sp}; SELECT set_config('trust.account_ids', '${accounts}', true)`);
      try {
        const r = await client.query(a.sql, a.params as unknown[] | undefined);
        return { raised: false, rowCount: r.rowCount ?? 0, rows: r.rows };
      } catch (e) {
        const err = e as { code?: string; message?: string };
        if (!err.code) throw e; // not the server's answer (connection lost): the run fails
        return { raised: true, sqlstate: err.code, message: err.message ?? '' };
      } finally {
        try {
          await client.query(`ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}`);
        } catch (e) {
          broken = true;
          throw e;
        }
      }
    },
  };
  return {
    access,
    async close() {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      } finally {
        client.release(broken);
      }
    },
  };
}

/** Used when a second account is needed and only one exists: the setting is just a uuid. */
export const NO_ACCOUNT = '00000000-0000-4000-8000-000000000000';

/**
 * The server's message, first line, bounded, with anything shaped like a secret removed
 * (a guard written carelessly could quote the value it refused).
 */
export function safeMessage(m: string): string {
  return m
    .split('\n')[0]
    .replace(/tev([0-9]):[0-9]+:[A-Za-z0-9_-]+/g, 'tev$1:…')
    .replace(/\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]+/g, '$2…')
    .replace(/\b(hck|hcv)_[A-Za-z0-9_]+/g, '$1_…')
    .replace(/[A-Za-z0-9+/_=]{32,}/g, '…')
    .slice(0, 300);
}
