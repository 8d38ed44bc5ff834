-- Up Migration
-- Audit questions are asked by action ("every transfer", "how many refresh failures"):
-- the gate's audit collector counts events per action and walks every transfer. Without
-- this index both read the whole table, which at a million events dominates the gate.
CREATE INDEX audit_events_action ON audit_events (action, seq);

-- Down Migration
DROP INDEX audit_events_action;
