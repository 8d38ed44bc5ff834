/**
 * The run's one clock. Every age in the evidence ("last succeeded 2 hours ago", "key is
 * 40 days old") is measured from a single instant, the as-of time, so that:
 * - no age is negative: by default the as-of time is the database's own clock, read after
 *   any preparation (`npm start` fills the demo after the run began; the Node clock at the
 *   start of the run was earlier than the rows it then measured);
 * - the bundle is deterministic: the same platform state and the same `--as-of` give the
 *   same bytes, because no other clock reaches the facts.
 * An as-of time before the platform's latest recorded activity would measure negative
 * ages, and one in the database's future would claim evidence that does not exist yet:
 * both are refused as bad input.
 */
import type pg from 'pg';
import { InputError } from '../platform/kernel/errors.ts';

/** Parses `--as-of`: an ISO 8601 instant with a zone (Z or ±hh:mm). */
export function parseAsOf(value: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const d = new Date(value);
  if (!ok || Number.isNaN(d.getTime())) throw new InputError(`--as-of: "${value}" is not an ISO 8601 instant with a zone, such as 2026-01-01T00:00:00Z`);
  return d;
}

/** Tolerance for an as-of a little ahead of the database clock (clock skew between hosts). */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Resolves the as-of time against the database: its clock when none is given; otherwise the
 * given instant, checked against the latest activity the platform recorded (the audit head
 * and the latest job run). Runs in a read-only transaction that is rolled back.
 */
export async function resolveAsOf(pool: pg.Pool, requested: Date | undefined): Promise<Date> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const { rows } = await client.query<{ now: Date; latest: Date | null }>(`
      SELECT statement_timestamp() AS now,
             greatest((SELECT occurred_at FROM audit_events ORDER BY seq DESC LIMIT 1),
                      (SELECT max(finished_at) FROM job_runs)) AS latest`);
    await client.query('ROLLBACK');
    const { now, latest } = rows[0];
    if (!requested) return truncateToMs(now);
    if (latest && requested.getTime() < latest.getTime()) {
      throw new InputError(
        `--as-of ${requested.toISOString()} is before the platform's latest recorded activity (${latest.toISOString()}): ages would be negative; use a later instant or omit --as-of`,
      );
    }
    if (requested.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      throw new InputError(`--as-of ${requested.toISOString()} is in the future of the database clock (${now.toISOString()})`);
    }
    return requested;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/**
 * The gate's two instants. `asOf` is when the claims are judged; `observedAt` is when the
 * facts are read and every age in them is measured from. They are the same instant except
 * for an as-of later than the database clock: facts cannot be read in the future, so they
 * are read now and judged at the as-of, where a live claim whose evidence is older than its
 * maximum age is stale (evidence/freshness.ts). That is how one asks "would this bundle
 * still pass on day X with no newer run?" An as-of in the past is checked as resolveAsOf does.
 */
export async function resolveClock(pool: pg.Pool, requested: Date | undefined): Promise<{ asOf: Date; observedAt: Date }> {
  const dbNow = await resolveAsOf(pool, undefined);
  if (requested && requested.getTime() > dbNow.getTime() + FUTURE_SKEW_MS) return { asOf: requested, observedAt: dbNow };
  const asOf = await resolveAsOf(pool, requested);
  return { asOf, observedAt: asOf };
}

/** JavaScript dates hold milliseconds; PostgreSQL microseconds. The run's instant is the former. */
function truncateToMs(d: Date): Date {
  return new Date(Math.floor(d.getTime()));
}
