-- Up Migration
-- Guard triggers fire in every session, replica sessions included (ENABLE ALWAYS).
--
-- A trigger enabled the default way (tgenabled 'O') does not fire while
-- session_replication_role = replica. Any superuser session can `SET LOCAL
-- session_replication_role = replica` for one transaction, and `ALTER ROLE ... SET` can impose
-- it on a login, so an 'O' guard can be switched off for one write without its definition
-- changing, and the write leaves no trace in the schema. 'A' triggers fire in origin, local and
-- replica sessions alike, so only an ALTER TABLE ... DISABLE (which the structure checks see)
-- turns them off.
--
-- Only triggers that refuse a change are made ALWAYS: the audit immutability guards, the region
-- and image pins, the state-period guard and the access-log retention guard. A refusal is safe
-- to repeat anywhere, including on a logical-replication subscriber replaying changes that were
-- legal at the origin. Triggers that compute or write other rows (audit_events_chain,
-- event_chain_head_store, agent_state_periods_book, agents_carry_owned_rows,
-- deletion_requests_set_due) stay 'O': a subscriber receives their results already, and
-- running them again there would chain, book or move rows twice.
--
-- Idempotent: ENABLE ALWAYS on a trigger that already is ALWAYS changes nothing.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_change;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_secrets;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_delete;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_change;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_truncate;
ALTER TABLE agents ENABLE ALWAYS TRIGGER agents_region_fixed;
ALTER TABLE agents ENABLE ALWAYS TRIGGER agents_pinned;
ALTER TABLE vms ENABLE ALWAYS TRIGGER vms_region_fixed;
ALTER TABLE servers ENABLE ALWAYS TRIGGER servers_region_fixed;
ALTER TABLE tunnels ENABLE ALWAYS TRIGGER tunnels_region_fixed;
ALTER TABLE disks ENABLE ALWAYS TRIGGER disks_region_fixed;
ALTER TABLE agent_state_periods ENABLE ALWAYS TRIGGER agent_state_periods_guard;
ALTER TABLE agent_state_periods ENABLE ALWAYS TRIGGER agent_state_periods_no_truncate;
ALTER TABLE admin_access_log ENABLE ALWAYS TRIGGER admin_access_log_guard;
ALTER TABLE admin_access_log ENABLE ALWAYS TRIGGER admin_access_log_no_truncate;

-- Down Migration
ALTER TABLE admin_access_log ENABLE TRIGGER admin_access_log_no_truncate;
ALTER TABLE admin_access_log ENABLE TRIGGER admin_access_log_guard;
ALTER TABLE agent_state_periods ENABLE TRIGGER agent_state_periods_no_truncate;
ALTER TABLE agent_state_periods ENABLE TRIGGER agent_state_periods_guard;
ALTER TABLE disks ENABLE TRIGGER disks_region_fixed;
ALTER TABLE tunnels ENABLE TRIGGER tunnels_region_fixed;
ALTER TABLE servers ENABLE TRIGGER servers_region_fixed;
ALTER TABLE vms ENABLE TRIGGER vms_region_fixed;
ALTER TABLE agents ENABLE TRIGGER agents_pinned;
ALTER TABLE agents ENABLE TRIGGER agents_region_fixed;
ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_truncate;
ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_change;
ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_delete;
ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_update;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_secrets;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_delete;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update;
