/**
 * The rewrite of the audit chain's tail that its owner can always make (the triggers cannot
 * stop ALTER TABLE; the transparency log outside the database catches it). Run it as the
 * owner role, in one statement.
 */

/**
 * The last `events` events deleted and the chain head reset with the triggers off, then the
 * same events, marked `rewritten`, inserted again with them on, so the chain trigger re-chains
 * them. `subtransaction`: the insert inside a block with a handler, as the acceptance probe does.
 */
export function ownerTailRewriteSql(events: number, opts: { subtransaction?: boolean } = {}): string {
  const reinsert = `INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details)
      SELECT occurred_at, account_id, actor, action, subject_type, subject_id, details || '{"rewritten": true}' FROM tail ORDER BY seq;`;
  return `BEGIN;
    ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
    ALTER TABLE audit_events DISABLE TRIGGER USER;
    ALTER TABLE event_chain_head DISABLE TRIGGER USER;
    CREATE TEMP TABLE tail ON COMMIT DROP AS SELECT * FROM audit_events WHERE seq > (SELECT max(seq) - ${events} FROM audit_events);
    DELETE FROM audit_events WHERE seq > (SELECT max(seq) - ${events} FROM audit_events);
    UPDATE event_chain_head SET seq = e.seq, hash = e.hash FROM (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) e;
    ALTER TABLE audit_events ENABLE TRIGGER USER;
    ALTER TABLE event_chain_head ENABLE TRIGGER USER;
    ${opts.subtransaction ? `DO $d$ BEGIN\n      ${reinsert}\n    EXCEPTION WHEN others THEN RAISE;\n    END $d$;` : reinsert}
    ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
    COMMIT`;
}
