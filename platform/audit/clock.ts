/**
 * Whose clock dates an audit event (migration 0300). Normally the database's: for the runtime
 * role, an occurred_at outside the inserting transaction is replaced by clock_timestamp(), so
 * an event cannot be backdated. The demo replays a simulated history (DEMO_START onwards) and
 * tests pin times; for that, the schema owner switches caller time on, and off again after.
 * Only the owner can write the switch, and the switch is a row the collectors can read.
 */
import type pg from 'pg';

export async function setCallerEventTime(ownerPool: pg.Pool, on: boolean): Promise<void> {
  await ownerPool.query('UPDATE event_time_policy SET caller_time = $1 WHERE singleton', [on]);
}

/** Runs fn with caller time switched on, and switches it off afterwards whatever happens. */
export async function withCallerEventTime<T>(ownerPool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  await setCallerEventTime(ownerPool, true);
  try {
    return await fn();
  } finally {
    await setCallerEventTime(ownerPool, false);
  }
}
