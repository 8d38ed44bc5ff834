/**
 * A guard that exists proves nothing about rows changed behind its back. For each
 * lifecycle control, break its promise on a copy of a demo-filled database the way a
 * superuser session would (one transaction with `session_replication_role = replica`, so
 * ordinary triggers and foreign keys do not fire; the guard's definition is untouched) and
 * see the control's data check fail, naming the row; the clean demo raises no alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../controls/checks/types.ts';
import { evaluateControlOn } from '../helpers/evaluate-control.ts';
import { createTestDatabase, withClient, type TestDatabase } from '../helpers/db.ts';
import { replicaSql } from '../helpers/replica-sql.ts';
import { adminQuery } from '../helpers/core-ii-fixtures.ts';
import { loadCatalog } from '../../controls/loader.ts';
import type { Catalog } from '../../controls/types.ts';
import { demoDatabase } from '../helpers/demo-database.ts';

const root = process.cwd();
let demo: TestDatabase;
let catalog: Catalog;

beforeAll(async () => {
  demo = await demoDatabase(5, { asTemplate: true });
  catalog = await loadCatalog(root);
}, 600_000);
afterAll(async () => {
  await demo?.drop();
});

/**
 * Runs `sql` as superuser in one transaction with session_replication_role = replica; when a
 * guard still refuses (a trigger enabled ALWAYS), again with the guards of `tables` switched
 * off and back on inside the transaction, as the acceptance script does (replicaSql).
 */
async function behind(db: TestDatabase, tables: string[], sql: string): Promise<void> {
  await withClient(db.adminUrl, async (c) => {
    try {
      await c.query(`BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT`);
      return;
    } catch {
      await c.query('ROLLBACK');
    }
    await c.query(replicaSql(sql, tables));
  });
}

/** The control's checks on the lifecycle facts (and any other collector they read). */
async function evaluate(db: TestDatabase, control: string): Promise<CheckResult[]> {
  return evaluateControlOn(db, control, { root, catalog, auditVerification: 'incremental' });
}

interface Break {
  control: string;
  /** The data check that must catch it. */
  check: string;
  how: string;
  /** Picks the victim (as superuser) and returns the SQL of the break, the tables it touches, and the expected origin. */
  prepare(db: TestDatabase): Promise<{ tables: string[]; sql: string; origin: string }>;
}

const one = async (db: TestDatabase, sql: string) => {
  const rows = await adminQuery<Record<string, string>>(db, sql);
  expect(rows.length, `no victim for: ${sql}`).toBe(1);
  return rows[0];
};
const destroyedWithHistory = `SELECT e.subject_id AS id, e.account_id AS account FROM audit_events e
  WHERE e.action = 'agent.destroyed' AND e.actor <> 'system:privacy.account_purge'
    AND EXISTS (SELECT 1 FROM agent_usage_daily u WHERE u.agent_id::text = e.subject_id)
  ORDER BY e.seq LIMIT 1`;
const transferred = `SELECT e.subject_id AS id, e.details->>'from_account_id' AS src, e.details->>'to_account_id' AS dst, e.occurred_at::text AS at
  FROM audit_events e WHERE e.action = 'agent.transferred'
    AND EXISTS (SELECT 1 FROM agent_usage_daily u WHERE u.agent_id::text = e.subject_id AND u.day < (e.occurred_at AT TIME ZONE 'UTC')::date)
  ORDER BY e.seq LIMIT 1`;

const BREAKS: Break[] = [
  {
    control: 'resource_region_pinned',
    check: 'region_matches_provisioning_event',
    how: "an agent's region changed",
    async prepare(db) {
      const a = await one(db, `SELECT id FROM agents ORDER BY id LIMIT 1`);
      return { tables: ['agents'], sql: `UPDATE agents SET region = CASE region WHEN 'us' THEN 'eu' ELSE 'us' END WHERE id = '${a.id}'`, origin: `row:public.agents.id=${a.id}` };
    },
  },
  {
    control: 'resource_region_pinned',
    check: 'region_matches_provisioning_event',
    how: "a VM's server moved to another region",
    async prepare(db) {
      const v = await one(db, `SELECT server_id FROM vms ORDER BY id LIMIT 1`);
      return { tables: ['servers'], sql: `UPDATE servers SET region = CASE region WHEN 'us' THEN 'eu' ELSE 'us' END WHERE id = '${v.server_id}'`, origin: `row:public.servers.id=${v.server_id}` };
    },
  },
  {
    control: 'agent_image_pinned',
    check: 'image_matches_provisioning_event',
    how: "an agent's image changed",
    async prepare(db) {
      const a = await one(db, `SELECT id FROM agents ORDER BY id LIMIT 1`);
      return { tables: ['agents'], sql: `UPDATE agents SET image_digest = 'sha256:' || repeat('e', 64) WHERE id = '${a.id}'`, origin: `row:public.agents.id=${a.id}` };
    },
  },
  {
    control: 'agent_image_pinned',
    check: 'image_matches_provisioning_event',
    how: "an agent's environment changed",
    async prepare(db) {
      const a = await one(db, `SELECT id FROM agents ORDER BY id DESC LIMIT 1`);
      return { tables: ['agents'], sql: `UPDATE agents SET env = env || '{"DEBUG": true}' WHERE id = '${a.id}'`, origin: `row:public.agents.id=${a.id}` };
    },
  },
  {
    control: 'agent_history_survives_destroy',
    check: 'destroyed_agent_history_kept',
    how: "a destroyed agent's usage rows and periods deleted",
    async prepare(db) {
      const d = await one(db, destroyedWithHistory);
      return {
        tables: ['agent_usage_daily', 'agent_state_periods'],
        sql: `DELETE FROM agent_usage_daily WHERE agent_id = '${d.id}'; DELETE FROM agent_state_periods WHERE agent_id = '${d.id}'`,
        origin: `row:public.agent_state_periods.agent_id=${d.id}`,
      };
    },
  },
  {
    control: 'agent_history_survives_destroy',
    check: 'usage_matches_periods',
    how: "a transferred agent's past usage moved to the destination account",
    async prepare(db) {
      const t = await one(db, transferred);
      return {
        tables: ['agent_usage_daily'],
        sql: `UPDATE agent_usage_daily SET account_id = '${t.dst}' WHERE agent_id = '${t.id}' AND account_id = '${t.src}' AND day < ('${t.at}'::timestamptz AT TIME ZONE 'UTC')::date`,
        origin: `row:public.agent_usage_daily.agent_id=${t.id}`,
      };
    },
  },
  {
    control: 'agent_usage_aggregated_daily',
    check: 'destroyed_agent_history_kept',
    how: "a destroyed agent's usage rows deleted",
    async prepare(db) {
      const d = await one(db, destroyedWithHistory);
      return { tables: ['agent_usage_daily'], sql: `DELETE FROM agent_usage_daily WHERE agent_id = '${d.id}'`, origin: `row:public.agent_usage_daily.agent_id=${d.id}` };
    },
  },
  {
    control: 'agent_usage_aggregated_daily',
    check: 'usage_matches_periods',
    how: "a destroyed agent's day inflated",
    async prepare(db) {
      const d = await one(db, destroyedWithHistory);
      return {
        tables: ['agent_usage_daily'],
        sql: `UPDATE agent_usage_daily SET running_seconds = running_seconds + 60 WHERE (agent_id, day) = (SELECT agent_id, min(day) FROM agent_usage_daily WHERE agent_id = '${d.id}' GROUP BY agent_id)`,
        origin: `row:public.agent_usage_daily.agent_id=${d.id}`,
      };
    },
  },
  {
    control: 'agent_secrets_deleted_on_destroy',
    check: 'destroyed_agent_remains_removed',
    how: 'a secret row left for a destroyed agent',
    async prepare(db) {
      const d = await one(
        db,
        `SELECT e.subject_id AS id, e.account_id AS account FROM audit_events e WHERE e.action = 'agent.destroyed' AND e.account_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id::text = e.subject_id) ORDER BY e.seq LIMIT 1`,
      );
      return {
        tables: ['agent_secrets'],
        sql: `INSERT INTO agent_secrets (agent_id, account_id, name, ciphertext) SELECT '${d.id}', '${d.account}', 'LEFT_BEHIND', ciphertext FROM agent_secrets LIMIT 1`,
        origin: `row:public.agent_secrets.agent_id=${d.id}`,
      };
    },
  },
  {
    control: 'agent_secrets_deleted_on_destroy',
    check: 'destroyed_agent_remains_removed',
    how: "a destroyed agent's last period reopened",
    async prepare(db) {
      const d = await one(db, destroyedWithHistory);
      const p = await one(db, `SELECT id FROM agent_state_periods WHERE agent_id = '${d.id}' ORDER BY lower(period) DESC LIMIT 1`);
      return {
        tables: ['agent_state_periods'],
        sql: `UPDATE agent_state_periods SET period = tstzrange(lower(period), NULL, '[)') WHERE id = ${p.id}`,
        origin: `row:public.agent_state_periods.id=${p.id}`,
      };
    },
  },
  {
    control: 'agent_state_periods_non_overlapping',
    check: 'state_periods_tile',
    how: "a live agent's open period deleted (its state lost)",
    async prepare(db) {
      const a = await one(db, `SELECT id FROM agents ORDER BY id LIMIT 1`);
      return { tables: ['agent_state_periods'], sql: `DELETE FROM agent_state_periods WHERE agent_id = '${a.id}' AND upper_inf(period)`, origin: `row:public.agent_state_periods.agent_id=${a.id}` };
    },
  },
  {
    control: 'agent_state_periods_non_overlapping',
    check: 'state_periods_tile',
    how: "a destroyed agent's first period cut short (a gap)",
    async prepare(db) {
      const d = await one(db, destroyedWithHistory);
      const p = await one(db, `SELECT id FROM agent_state_periods WHERE agent_id = '${d.id}' ORDER BY lower(period) LIMIT 1`);
      // The exclusion constraint cannot be bypassed for new rows, so shortening the first
      // period (a gap where the agent's time went missing) is the break available behind its back.
      return {
        tables: ['agent_state_periods'],
        sql: `UPDATE agent_state_periods SET period = tstzrange(lower(period), upper(period) - interval '1 minute', '[)') WHERE id = ${p.id}`,
        origin: `row:public.agent_state_periods.agent_id=${d.id}`,
      };
    },
  },
  {
    control: 'agent_server_dedicated',
    check: 'resources_dedicated_in_rows',
    how: "an agent's server relabelled as a VM's",
    async prepare(db) {
      const a = await one(db, `SELECT server_id FROM agents ORDER BY id LIMIT 1`);
      return { tables: ['servers'], sql: `UPDATE servers SET kind = 'vm' WHERE id = '${a.server_id}'`, origin: `row:public.servers.id=${a.server_id}` };
    },
  },
  {
    control: 'agent_server_dedicated',
    check: 'resources_dedicated_in_rows',
    how: "an agent moved to another agent's former disk",
    async prepare(db) {
      const a = await one(db, `SELECT id FROM agents ORDER BY id LIMIT 1`);
      return {
        tables: ['agents', 'disks'],
        sql: `INSERT INTO disks (id, account_id, region, provider, provider_ref, size_gb, created_at)
                SELECT gen_random_uuid(), account_id, region, provider, provider_ref || '-swap', size_gb, created_at FROM disks WHERE id = (SELECT disk_id FROM agents WHERE id = '${a.id}');
              UPDATE agents SET disk_id = (SELECT id FROM disks WHERE provider_ref LIKE '%-swap') WHERE id = '${a.id}'`,
        origin: `row:public.agents.id=${a.id}`,
      };
    },
  },
  {
    control: 'vm_server_dedicated',
    check: 'resources_dedicated_in_rows',
    how: "a VM's server relabelled as an agent's",
    async prepare(db) {
      const v = await one(db, `SELECT server_id FROM vms ORDER BY id LIMIT 1`);
      return { tables: ['servers'], sql: `UPDATE servers SET kind = 'agent' WHERE id = '${v.server_id}'`, origin: `row:public.servers.id=${v.server_id}` };
    },
  },
  {
    control: 'agent_transfer_boundary_recorded',
    check: 'history_attributed_to_owner',
    how: "a transferred agent's past periods moved to the destination account",
    async prepare(db) {
      const t = await one(db, transferred);
      const p = await one(db, `SELECT id FROM agent_state_periods WHERE agent_id = '${t.id}' AND account_id = '${t.src}' ORDER BY lower(period) LIMIT 1`);
      return { tables: ['agent_state_periods'], sql: `UPDATE agent_state_periods SET account_id = '${t.dst}' WHERE id = ${p.id}`, origin: `row:public.agent_state_periods.id=${p.id}` };
    },
  },
  {
    control: 'agent_transfer_boundary_recorded',
    check: 'history_attributed_to_owner',
    how: 'an agent handed to another account without a transfer',
    async prepare(db) {
      const a = await one(db, `SELECT a.id, (SELECT b.id FROM accounts b WHERE b.id <> a.account_id ORDER BY b.id LIMIT 1) AS other FROM agents a ORDER BY a.id LIMIT 1`);
      return { tables: ['agents'], sql: `UPDATE agents SET account_id = '${a.other}' WHERE id = '${a.id}'`, origin: `row:public.agents.id=${a.id}` };
    },
  },
  {
    control: 'ciphertext_bound_to_row',
    check: 'ciphertexts_bound_to_owner',
    how: "a secret re-pointed at another account's agent (issue 13, defect 9)",
    async prepare(db) {
      const s = await one(
        db,
        `SELECT s.id, o.id AS agent, o.account_id AS account FROM agent_secrets s
        JOIN agents o ON o.account_id <> s.account_id ORDER BY s.id, o.id LIMIT 1`,
      );
      return {
        tables: ['agent_secrets'],
        sql: `UPDATE agent_secrets SET agent_id = '${s.agent}', account_id = '${s.account}', name = 'STOLEN_SECRET' WHERE id = '${s.id}'`,
        origin: `row:public.agent_secrets.id=${s.id}`,
      };
    },
  },
  {
    control: 'ciphertext_bound_to_row',
    check: 'ciphertexts_bound_to_owner',
    how: 'an OAuth token moved to another account',
    async prepare(db) {
      const t = await one(db, `SELECT c.id, (SELECT a.id FROM accounts a WHERE a.id <> c.account_id ORDER BY a.id LIMIT 1) AS other FROM oauth_connections c ORDER BY c.id LIMIT 1`);
      return { tables: ['oauth_connections'], sql: `UPDATE oauth_connections SET account_id = '${t.other}' WHERE id = '${t.id}'`, origin: `row:public.oauth_connections.id=${t.id}` };
    },
  },
  {
    control: 'audit_events_survive_subject_deletion',
    check: 'lifecycle_events_witness_subjects',
    how: "a destroyed VM's destroy event deleted",
    async prepare(db) {
      const e = await one(db, `SELECT seq, details->>'server_id' AS server FROM audit_events WHERE action = 'vm.destroyed' ORDER BY seq LIMIT 1`);
      return { tables: ['audit_events'], sql: `DELETE FROM audit_events WHERE seq = ${e.seq}`, origin: `row:public.provider_operations.resource_id=${e.server}` };
    },
  },
];

describe("lifecycle promises broken behind the platform's back", () => {
  it('the clean demo passes every lifecycle control (no false alarm)', async () => {
    const db = await createTestDatabase(demo.name);
    try {
      for (const control of [...new Set(BREAKS.map((b) => b.control))]) {
        const results = await evaluate(db, control);
        const bad = results.filter((r) => r.status !== 'pass').flatMap((r) => r.findings.filter((f) => f.status !== 'pass').map((f) => `${control}/${r.check}: ${f.reason}`));
        expect(bad).toEqual([]);
      }
    } finally {
      await db.drop();
    }
  }, 120_000);

  for (const b of BREAKS) {
    it(`${b.control}: ${b.how}`, async () => {
      const db = await createTestDatabase(demo.name);
      try {
        const { tables, sql, origin } = await b.prepare(db);
        await behind(db, tables, sql);
        const results = await evaluate(db, b.control);
        const r = results.find((x) => x.check === b.check)!;
        expect(r, `${b.control} has no check ${b.check}`).toBeDefined();
        const failing = r.findings.filter((f) => f.status === 'fail');
        expect(r.status, `${b.check} still passes: ${r.findings.map((f) => f.reason).join(' | ')}`).toBe('fail');
        expect(failing.every((f) => f.kind === 'data')).toBe(true);
        const origins = failing.map((f) => f.origin.resource);
        expect(origins, failing.map((f) => f.reason).join(' | ')).toContain(origin);
      } finally {
        await db.drop();
      }
    }, 120_000);
  }
});
