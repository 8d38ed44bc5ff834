/**
 * Structure proofs judge whether a guard is *effective*, not only present. Each break below
 * leaves the guard in place (the policy, the trigger, the constraint, the role all still
 * exist) and defeats it behind the platform's back, as a superuser session would: in one
 * transaction with `SET LOCAL session_replication_role = replica`, on a copy of a demo-filled
 * database. The control must fail, naming the object.
 *
 * Role breaks are cluster-wide: they run one at a time under the advisory lock that
 * bootstrapRoles takes (so a test file opening its database cannot reset the role halfway),
 * on a role-level change that `finally` undoes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { evaluateControlOn } from '../helpers/evaluate-control.ts';
import { createTestDatabase, withClient, type TestDatabase } from '../helpers/db.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { type CheckResult } from '../../controls/checks/types.ts';
import type { Catalog } from '../../controls/types.ts';
import { demoDatabase } from '../helpers/demo-database.ts';

const root = process.cwd();
let demo: TestDatabase;
let db: TestDatabase;
let catalog: Catalog;
/** The lock bootstrapRoles holds while it (re)sets the roles (platform/db/roles.ts). */
const ROLE_LOCK = 872341;

beforeAll(async () => {
  demo = await demoDatabase(5, { asTemplate: true });
  catalog = await loadCatalog(root);
  db = await createTestDatabase(demo.name); // role breaks run here, each undone
}, 600_000);
afterAll(async () => {
  await db?.drop();
  await demo?.drop();
});

async function evaluate(on: TestDatabase, control: string): Promise<CheckResult[]> {
  return evaluateControlOn(on, control, { root, catalog, auditVerification: 'incremental' });
}

/** As a superuser, in one transaction in replica mode: ordinary triggers and foreign keys are off. */
async function behind(on: TestDatabase, sql: string): Promise<void> {
  await withClient(on.adminUrl, async (c) => {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query(sql);
    await c.query('COMMIT');
  });
}

function expectFailure(results: CheckResult[], control: string, origin: string, reason?: RegExp) {
  const failing = results.flatMap((r) => r.findings.filter((f) => f.status === 'fail'));
  expect(failing.length, `${control} still passes`).toBeGreaterThan(0);
  const hit = failing.find((f) => f.origin.resource === origin);
  expect(hit, `origins: ${failing.map((f) => `${f.origin.resource}: ${f.reason}`).join(' | ')}`).toBeDefined();
  expect(hit!.kind).toBe('structure');
  if (reason) expect(hit!.reason).toMatch(reason);
}

// Re-adds a constraint with exactly its definition, NOT VALID: the rows already there are unchecked.
const notValid = (table: string, name: string) => `DO $$DECLARE d text; BEGIN
  SELECT pg_get_constraintdef(oid) INTO d FROM pg_constraint WHERE conrelid = '${table}'::regclass AND conname = '${name}';
  EXECUTE format('ALTER TABLE ${table} DROP CONSTRAINT %I, ADD CONSTRAINT %I %s NOT VALID', '${name}', '${name}', d);
END$$`;

interface Break {
  control: string;
  how: string;
  sql: string;
  origin: string;
  reason?: RegExp;
  check?: string;
}

const BREAKS: Break[] = [
  {
    control: 'account_rows_isolated_by_rls',
    how: 'USING rewritten to true, WITH CHECK still filters',
    sql: 'ALTER POLICY account_isolation ON agents USING (true)',
    origin: 'policy:public.agents.account_isolation',
    reason: /USING \(`true`\).*SELECT/,
  },
  {
    control: 'account_rows_isolated_by_rls',
    how: 'an extra permissive policy USING (true)',
    sql: 'CREATE POLICY support_view ON vms FOR SELECT USING (true)',
    origin: 'policy:public.vms.support_view',
    reason: /permissive for PUBLIC/,
  },
  {
    control: 'account_rows_isolated_by_rls',
    how: 'an allow-listed lookup policy widened',
    sql: 'ALTER POLICY lookup_by_hash ON sessions USING (true)',
    origin: 'policy:public.sessions.lookup_by_hash',
  },
  {
    control: 'account_rows_isolated_by_rls',
    how: 'the tenant function returns every account',
    sql: `CREATE OR REPLACE FUNCTION current_account_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $f$ SELECT coalesce(array_agg(id), '{}') FROM accounts $f$`,
    origin: 'function:public.current_account_ids',
  },
  { control: 'audit_events_append_only', how: 'UPDATE, DELETE granted to PUBLIC', sql: 'GRANT UPDATE, DELETE ON audit_events TO PUBLIC', origin: 'role:trust_app', reason: /granted to PUBLIC/ },
  { control: 'audit_checkpoints_signed', how: 'TRUNCATE granted to PUBLIC', sql: 'GRANT TRUNCATE ON audit_checkpoints TO PUBLIC', origin: 'role:trust_reader', reason: /TRUNCATE/ },
  {
    control: 'audit_events_append_only',
    how: 'guard triggers back to origin mode only',
    sql: ['no_update', 'no_delete', 'no_change', 'no_truncate'].map((t) => `ALTER TABLE audit_events ENABLE TRIGGER audit_events_${t}`).join('; '),
    origin: 'trigger:public.audit_events.audit_events_no_change',
    reason: /origin mode only/,
  },
  {
    control: 'resource_region_pinned',
    how: 'region guard in origin mode only',
    sql: 'ALTER TABLE vms ENABLE TRIGGER vms_region_fixed',
    origin: 'trigger:public.vms.vms_region_fixed',
    reason: /session_replication_role = replica/,
  },
  { control: 'agent_image_pinned', how: 'image guard in origin mode only', sql: 'ALTER TABLE agents ENABLE TRIGGER agents_pinned', origin: 'trigger:public.agents.agents_pinned' },
  {
    control: 'operator_access_log_retained_90_days',
    how: 'retention guard in origin mode only',
    sql: 'ALTER TABLE admin_access_log ENABLE TRIGGER admin_access_log_guard',
    origin: 'trigger:public.admin_access_log.admin_access_log_guard',
  },
  {
    control: 'agent_image_pinned',
    how: 'digest CHECK re-added NOT VALID',
    sql: notValid('agents', 'agents_image_digest_check'),
    origin: 'constraint:public.agents.agents_image_digest_check',
    reason: /NOT VALID/,
  },
  {
    control: 'agent_secrets_deleted_on_destroy',
    how: 'foreign key re-added NOT VALID',
    sql: notValid('agent_secrets', 'agent_secrets_agent_id_fkey'),
    origin: 'constraint:public.agent_secrets.agent_secrets_agent_id_fkey',
    reason: /NOT VALID/,
  },
  { control: 'collector_role_read_only', how: 'a column UPDATE granted to PUBLIC', sql: 'GRANT UPDATE (name) ON agents TO PUBLIC', origin: 'table:public.agents', reason: /UPDATE/ },
  {
    control: 'collector_role_read_only',
    how: 'default privileges give the reader INSERT on future tables',
    sql: 'ALTER DEFAULT PRIVILEGES FOR ROLE trust_owner IN SCHEMA public GRANT INSERT ON TABLES TO trust_reader',
    origin: 'default_acl:trust_owner.public',
  },
  {
    control: 'proxy_bodies_not_stored',
    how: 'a body column on the agent usage table',
    sql: 'ALTER TABLE agent_usage_daily ADD COLUMN request_body text',
    origin: 'column:public.agent_usage_daily.request_body',
  },
  {
    control: 'proxy_bodies_not_stored',
    how: 'a new request-log table with body columns',
    sql: 'CREATE TABLE request_log (id bigint PRIMARY KEY, prompt text, response_body jsonb, response_ms integer)',
    origin: 'column:public.request_log.response_body',
  },
  {
    control: 'payment_card_data_not_stored',
    how: 'a card number as a bigint on a new table',
    sql: 'CREATE TABLE billing_cards (id bigint PRIMARY KEY, card_number bigint)',
    origin: 'column:public.billing_cards.card_number',
  },
];

describe("structure proofs: guards present but defeated behind the platform's back", () => {
  it('the untouched demo passes every control broken below', async () => {
    const controls = [...new Set([...BREAKS.map((b) => b.control), 'runtime_role_unprivileged'])];
    const clean = await createTestDatabase(demo.name);
    try {
      for (const control of controls) {
        const results = await evaluate(clean, control);
        const bad = results.flatMap((r) => r.findings.filter((f) => f.status !== 'pass').map((f) => `${r.check}: ${f.reason}`));
        expect(bad, control).toEqual([]);
      }
    } finally {
      await clean.drop();
    }
  });

  for (const b of BREAKS) {
    it(`${b.control}: ${b.how}`, async () => {
      const copy = await createTestDatabase(demo.name);
      try {
        await behind(copy, b.sql);
        expectFailure(await evaluate(copy, b.control), b.control, b.origin, b.reason);
      } finally {
        await copy.drop();
      }
    });
  }
});

describe('role drift is a failing finding, never healed', () => {
  /** Runs `change` under the role lock, evaluates, and always runs `undo`. */
  async function withRoleDrift(change: string, undo: string, control: string): Promise<CheckResult[]> {
    return withClient(db.adminUrl, async (c) => {
      await c.query('SELECT pg_advisory_lock($1)', [ROLE_LOCK]);
      try {
        await c.query(change);
        return await evaluate(db, control);
      } finally {
        await c.query(undo);
        await c.query('SELECT pg_advisory_unlock($1)', [ROLE_LOCK]);
      }
    });
  }

  it('runtime_role_unprivileged and account_rows_isolated_by_rls: ALTER ROLE trust_app BYPASSRLS', async () => {
    const change = 'ALTER ROLE trust_app BYPASSRLS';
    const undo = 'ALTER ROLE trust_app NOBYPASSRLS';
    expectFailure(await withRoleDrift(change, undo, 'runtime_role_unprivileged'), 'runtime_role_unprivileged', 'role:trust_app', /BYPASSRLS/);
    expectFailure(await withRoleDrift(change, undo, 'account_rows_isolated_by_rls'), 'account_rows_isolated_by_rls', 'role:trust_app', /BYPASSRLS/);
  });

  it('runtime_role_unprivileged: membership in a privileged role through another role', async () => {
    const ops = `trust_test_ops_${randomBytes(3).toString('hex')}`;
    const r = await withRoleDrift(`CREATE ROLE ${ops} NOLOGIN; GRANT pg_execute_server_program TO ${ops}; GRANT ${ops} TO trust_app`, `DROP ROLE IF EXISTS ${ops}`, 'runtime_role_unprivileged');
    expectFailure(r, 'runtime_role_unprivileged', 'role:trust_app', new RegExp(`member of \`pg_execute_server_program\` \\(through \`${ops}\`\\)`));
  });

  it('runtime_role_unprivileged: membership in the owner role (effective table ownership)', async () => {
    const r = await withRoleDrift('GRANT trust_owner TO trust_app', 'REVOKE trust_owner FROM trust_app', 'runtime_role_unprivileged');
    expectFailure(r, 'runtime_role_unprivileged', 'role:trust_app', /member of `trust_owner`/);
  });

  it('runtime_role_unprivileged: replica mode imposed at login in this database', async () => {
    const r = await withRoleDrift(
      `ALTER ROLE trust_app IN DATABASE ${db.name} SET session_replication_role = replica`,
      `ALTER ROLE trust_app IN DATABASE ${db.name} RESET session_replication_role`,
      'runtime_role_unprivileged',
    );
    expectFailure(r, 'runtime_role_unprivileged', 'role:trust_app', /session_replication_role=replica/);
  });

  it('collector_role_read_only: the reader made a member of pg_write_all_data', async () => {
    const r = await withRoleDrift('GRANT pg_write_all_data TO trust_reader', 'REVOKE pg_write_all_data FROM trust_reader', 'collector_role_read_only');
    expectFailure(r, 'collector_role_read_only', 'role:trust_reader', /pg_write_all_data/);
  });

  it('each drift was undone: the roles pass again', async () => {
    for (const control of ['runtime_role_unprivileged', 'collector_role_read_only']) {
      const results = await evaluate(db, control);
      expect(
        results.every((x) => x.status === 'pass'),
        control,
      ).toBe(true);
    }
  });
});
