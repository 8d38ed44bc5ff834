/**
 * A control that has never been seen to fail is not evidence. For every live control,
 * break its promise (in a throwaway copy of a demo-filled database, as superuser; in a
 * copy of the source tree; or in the catalog) and see that control fail, naming the
 * origin of the failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { evaluateControlOn, expectFailsAt } from '../helpers/evaluate-control.ts';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { editedCopy, type FileEdit } from '../helpers/edited-copy.ts';
import { loadCatalog } from '../../controls/loader.ts';
import type { Catalog } from '../../controls/types.ts';
import { demoDatabase, randomKeyringJson } from '../helpers/demo-database.ts';

const root = process.cwd();
let demo: Awaited<ReturnType<typeof createTestDatabase>>;
let catalog: Catalog;
const keyring = (ageDays: number) => randomKeyringJson(new Date(Date.now() - ageDays * 86_400_000));

beforeAll(async () => {
  demo = await demoDatabase(3, { asTemplate: true });
  catalog = await loadCatalog(root);
}, 600_000);
afterAll(async () => {
  await demo?.drop();
});

interface Break {
  control: string;
  how: string;
  sql?: string;
  /** Edits a copy of the repository's platform/ tree (path relative to it, text transform). */
  code?: FileEdit;
  catalog?: (c: Catalog) => Catalog;
  env?: Record<string, string>;
  /** The failing finding's origin resource (exact, or a prefix ending in `=`). */
  origin: string;
}

const BREAKS: Break[] = [
  { control: 'account_rows_isolated_by_rls', how: 'NO FORCE on agents', sql: 'ALTER TABLE agents NO FORCE ROW LEVEL SECURITY', origin: 'table:public.agents' },
  {
    control: 'agent_history_survives_destroy',
    how: 'a foreign key from usage to agents',
    sql: 'ALTER TABLE agent_usage_daily ADD CONSTRAINT usage_agent_fk FOREIGN KEY (agent_id) REFERENCES agents(id) ON DELETE CASCADE NOT VALID',
    origin: 'constraint:public.agent_usage_daily.usage_agent_fk',
  },
  { control: 'agent_image_pinned', how: 'trigger dropped', sql: 'DROP TRIGGER agents_pinned ON agents', origin: 'column:public.agents.image_digest' },
  {
    control: 'agent_secrets_deleted_on_destroy',
    how: 'no cascade',
    sql: 'ALTER TABLE agent_secrets DROP CONSTRAINT agent_secrets_agent_id_fkey; ALTER TABLE agent_secrets ADD CONSTRAINT agent_secrets_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents(id)',
    origin: 'constraint:public.agent_secrets.agent_secrets_agent_id_fkey',
  },
  { control: 'agent_secrets_encrypted', how: 'shape CHECK dropped', sql: 'ALTER TABLE agent_secrets DROP CONSTRAINT agent_secrets_ciphertext', origin: 'column:public.agent_secrets.ciphertext' },
  { control: 'agent_server_dedicated', how: 'tunnel no longer unique', sql: 'ALTER TABLE agents DROP CONSTRAINT agents_tunnel_id_key', origin: 'table:public.agents' },
  {
    control: 'agent_server_inbound_closed',
    how: 'inbound CHECK dropped',
    sql: 'ALTER TABLE firewall_rules DROP CONSTRAINT agent_servers_have_no_inbound_rules',
    origin: 'column:public.firewall_rules.direction',
  },
  { control: 'agent_skills_enabled_per_agent', how: 'primary key dropped', sql: 'ALTER TABLE agent_skills DROP CONSTRAINT agent_skills_pkey', origin: 'table:public.agent_skills' },
  {
    control: 'agent_state_periods_non_overlapping',
    how: 'exclusion constraint dropped',
    sql: 'ALTER TABLE agent_state_periods DROP CONSTRAINT agent_state_periods_no_overlap',
    origin: 'table:public.agent_state_periods',
  },
  {
    control: 'agent_tool_allow_list_enforced',
    how: 'the gate stops recording decisions',
    code: { file: 'tools/tool-controls.ts', edit: (t) => t.replaceAll('await appendAuditEvent(', 'await Promise.resolve(') },
    origin: 'function:platform/tools/tool-controls.ts#authorizeToolCall',
  },
  {
    control: 'agent_tool_approval_gated',
    how: 'approval CHECK dropped',
    sql: 'ALTER TABLE tool_approvals DROP CONSTRAINT tool_approvals_used_only_if_approved',
    origin: 'column:public.tool_approvals.used_at',
  },
  {
    control: 'agent_tool_decisions_audited',
    how: 'tool events deleted with triggers off',
    sql: `ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE action LIKE 'tool.%'; ALTER TABLE audit_events ENABLE TRIGGER USER`,
    origin: 'audit_action:tool.allowed',
  },
  {
    control: 'agent_transfer_boundary_recorded',
    how: 'a transfer event moved off its boundary',
    sql: `ALTER TABLE audit_events DISABLE TRIGGER USER; UPDATE audit_events SET occurred_at = occurred_at + interval '1 second' WHERE seq = (SELECT min(seq) FROM audit_events WHERE action = 'agent.transferred'); ALTER TABLE audit_events ENABLE TRIGGER USER`,
    origin: 'row:public.audit_events.seq=',
  },
  { control: 'agent_usage_aggregated_daily', how: 'booking trigger dropped', sql: 'DROP TRIGGER agent_state_periods_book ON agent_state_periods', origin: 'table:public.agent_state_periods' },
  { control: 'api_key_tiers_least_privilege', how: 'tier CHECK dropped', sql: 'ALTER TABLE api_keys DROP CONSTRAINT api_keys_tier_check', origin: 'column:public.api_keys.tier' },
  { control: 'api_keys_stored_hashed', how: 'hash CHECK dropped', sql: 'ALTER TABLE api_keys DROP CONSTRAINT api_keys_key_hash_check', origin: 'column:public.api_keys.key_hash' },
  {
    control: 'audit_checkpoints_signed',
    how: 'checkpoint signature zeroed',
    sql: `ALTER TABLE audit_checkpoints DISABLE TRIGGER USER; UPDATE audit_checkpoints SET signature = decode(repeat('00', 64), 'hex') WHERE seq = (SELECT max(seq) FROM audit_checkpoints); ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`,
    origin: 'row:public.audit_checkpoints.seq=',
  },
  { control: 'audit_events_append_only', how: 'UPDATE granted to the runtime role', sql: 'GRANT UPDATE ON audit_events TO trust_app', origin: 'role:trust_app' },
  {
    control: 'audit_events_append_only',
    how: 'update triggers disabled',
    sql: 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update; ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change',
    origin: 'table:public.audit_events',
  },
  {
    control: 'audit_events_hash_chained',
    how: 'an event rewritten with triggers off',
    sql: `ALTER TABLE audit_events DISABLE TRIGGER USER; UPDATE audit_events SET actor = 'mallory' WHERE seq = 5; ALTER TABLE audit_events ENABLE TRIGGER USER`,
    origin: 'row:public.audit_events.seq=5',
  },
  {
    control: 'audit_events_survive_subject_deletion',
    how: 'a foreign key to accounts',
    sql: 'ALTER TABLE audit_events ADD CONSTRAINT audit_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id)',
    origin: 'constraint:public.audit_events.audit_account_fk',
  },
  {
    control: 'cipher_nonces_random',
    how: 'a zero nonce',
    code: { file: 'crypto/keyring.ts', edit: (t) => t.replace('const nonce = randomBytes(NONCE_BYTES);', 'const nonce = Buffer.alloc(NONCE_BYTES);') },
    origin: 'file:platform/crypto/keyring.ts',
  },
  {
    control: 'ciphertext_bound_to_row',
    how: 'setAAD removed from encrypt',
    code: { file: 'crypto/keyring.ts', edit: (t) => t.replace('    cipher.setAAD(associatedData(ctx));\n', '') },
    origin: 'file:platform/crypto/keyring.ts',
  },
  { control: 'collector_role_read_only', how: 'INSERT granted to the reader', sql: 'GRANT INSERT ON regions TO trust_reader', origin: 'table:public.regions' },
  { control: 'encryption_keys_rotated', how: 'active key 400 days old', env: { TRUST_KEYRING: keyring(400) }, origin: 'config:keyring.version.1' },
  {
    control: 'lifecycle_events_audited',
    how: 'clone events deleted with triggers off',
    sql: `ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE action = 'agent.cloned'; ALTER TABLE audit_events ENABLE TRIGGER USER`,
    origin: 'audit_action:agent.cloned',
  },
  {
    control: 'oauth_state_single_use',
    how: 'the single-use guard trigger dropped (a consumed state can be un-consumed)',
    sql: 'DROP TRIGGER oauth_states_single_use ON oauth_states',
    origin: 'table:public.oauth_states',
  },
  { control: 'oauth_state_single_use', how: 'state hash no longer unique', sql: 'ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_state_hash_key', origin: 'table:public.oauth_states' },
  {
    control: 'oauth_tokens_encrypted',
    how: 'a plaintext token inserted',
    sql: `ALTER TABLE oauth_connections DROP CONSTRAINT oauth_access_token_ciphertext; INSERT INTO oauth_connections (account_id, provider, access_token) SELECT id, 'github', 'gho_plaintexttoken' FROM accounts ORDER BY id LIMIT 1`,
    origin: 'column:public.oauth_connections.access_token',
  },
  {
    control: 'operator_access_log_retained_90_days',
    how: 'a 200-day-old entry',
    sql: `INSERT INTO admin_access_log (operator, reason, accessed_accounts, started_at) VALUES ('ops', 'old entry', '{}', now() - interval '200 days')`,
    origin: 'table:public.admin_access_log',
  },
  { control: 'operator_access_logged', how: 'reason may be NULL', sql: 'ALTER TABLE admin_access_log ALTER COLUMN reason DROP NOT NULL', origin: 'column:public.admin_access_log.reason' },
  {
    control: 'password_hashes_bcrypt_cost_12',
    how: 'a cost-10 hash stored',
    sql: `ALTER TABLE users DROP CONSTRAINT users_password_bcrypt_cost_12; INSERT INTO users (account_id, email, email_hash, password_hash) SELECT id, 'weak@example.com', repeat('a', 64), '$2b$10$' || repeat('a', 53) FROM accounts ORDER BY id LIMIT 1`,
    origin: 'column:public.users.password_hash',
  },
  { control: 'payment_card_data_not_stored', how: 'a card number column', sql: 'ALTER TABLE accounts ADD COLUMN card_number text', origin: 'column:public.accounts.card_number' },
  { control: 'proxy_bodies_not_stored', how: 'a prompt column', sql: 'ALTER TABLE llm_usage_daily ADD COLUMN prompt text', origin: 'column:public.llm_usage_daily.prompt' },
  { control: 'proxy_usage_aggregated_daily', how: 'primary key dropped', sql: 'ALTER TABLE llm_usage_daily DROP CONSTRAINT llm_usage_daily_pkey', origin: 'table:public.llm_usage_daily' },
  { control: 'region_config_mirrored', how: 'a region relocated in the table', sql: `UPDATE regions SET location = 'fra1' WHERE id = 'eu'`, origin: 'config:regions.eu' },
  { control: 'resource_region_pinned', how: 'the VM region guard disabled', sql: 'ALTER TABLE vms DISABLE TRIGGER vms_region_fixed', origin: 'trigger:public.vms.vms_region_fixed' },
  {
    control: 'retention_jobs_enforced',
    how: 'an expired OAuth state left behind',
    sql: `INSERT INTO oauth_states (account_id, provider, state_hash, created_at, expires_at) SELECT id, 'github', repeat('b', 64), now() - interval '10 days', now() - interval '10 days' + interval '5 minutes' FROM accounts ORDER BY id LIMIT 1`,
    origin: 'table:public.oauth_states',
  },
  {
    control: 'retention_jobs_enforced',
    how: 'the last sessions retention run failed',
    sql: `UPDATE job_runs SET status = 'failed' WHERE job = 'retention.sessions'`,
    origin: 'job:retention.sessions',
  },
  {
    control: 'token_refresh_outcomes_audited',
    how: 'refresh outcomes deleted with triggers off',
    sql: `ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE action = 'oauth.refresh_failed'; ALTER TABLE audit_events ENABLE TRIGGER USER`,
    origin: 'audit_action:oauth.refresh_failed',
  },
  { control: 'runtime_role_unprivileged', how: 'the runtime role owns a table', sql: 'ALTER TABLE regions OWNER TO trust_app', origin: 'table:public.regions' },
  {
    control: 'secrets_absent_from_logs',
    how: 'a refresh token logged',
    code: { file: 'oauth/connections.ts', edit: (t) => t + '\nexport function debugRefresh(refreshToken: string): void {\n  console.log("refreshing with", refreshToken);\n}\n' },
    origin: 'file:platform/oauth/connections.ts',
  },
  {
    control: 'security_code_uses_csprng',
    how: 'Math.random in identity',
    code: { file: 'identity/sessions.ts', edit: (t) => t + '\nexport const jitter = (): number => Math.random();\n' },
    origin: 'file:platform/identity/sessions.ts',
  },
  {
    control: 'session_cookies_hardened',
    how: 'Secure dropped from the cookie',
    code: { file: 'identity/session-cookie.ts', edit: (t) => t.replace('Path=/; Secure; HttpOnly', 'Path=/; HttpOnly') },
    origin: 'file:platform/identity/session-cookie.ts',
  },
  {
    control: 'ssh_public_keys_plaintext_by_design',
    how: 'the column comment removed',
    sql: 'COMMENT ON COLUMN ssh_public_keys.public_key IS NULL',
    origin: 'column:public.ssh_public_keys.public_key',
  },
  {
    control: 'subprocessors_published',
    how: 'an empty subprocessor list',
    catalog: (c) => ({ ...c, organisation: { ...c.organisation, subprocessors: [] } }),
    origin: 'config:organisation.subprocessors',
  },
  { control: 'token_refresh_outcomes_audited', how: 'the secret guard on audit details dropped', sql: 'DROP TRIGGER audit_events_no_secrets ON audit_events', origin: 'table:public.audit_events' },
  {
    control: 'token_tables_written_by_keyring_only',
    how: 'a module writes OAuth tokens directly',
    code: { file: 'privacy/leak.ts', edit: () => "export const LEAK = 'UPDATE oauth_connections SET access_token = $1 WHERE id = $2';\n" },
    origin: 'file:platform/privacy/leak.ts',
  },
  {
    control: 'vm_firewall_default_deny',
    how: 'default-deny CHECK dropped',
    sql: 'ALTER TABLE firewalls DROP CONSTRAINT firewalls_inbound_default_check',
    origin: 'column:public.firewalls.inbound_default',
  },
  { control: 'vm_server_dedicated', how: 'VM server no longer unique', sql: 'ALTER TABLE vms DROP CONSTRAINT vms_server_id_key', origin: 'table:public.vms' },
  {
    control: 'vulnerability_disclosure_published',
    how: 'acknowledgement after 30 business days',
    catalog: (c) => ({ ...c, organisation: { ...c.organisation, disclosure: { ...c.organisation.disclosure, acknowledgementBusinessDays: 30 } } }),
    origin: 'config:organisation.disclosure.acknowledgementBusinessDays',
  },
  {
    control: 'account_deletion_within_30_days',
    how: 'a request 40 days old still open',
    sql: `INSERT INTO deletion_requests (account_id, requested_by, requested_at, due_at) VALUES (gen_random_uuid(), 'test', now() - interval '40 days', now())`,
    origin: 'table:public.deletion_requests',
  },
  {
    control: 'account_data_exportable',
    how: 'export stops deriving its tables',
    code: { file: 'privacy/export.ts', edit: (t) => t.replaceAll('accountTables(', 'Array.of(') },
    origin: 'function:platform/privacy/export.ts#exportAccount',
  },
];

function cloneDemo() {
  return createTestDatabase(demo.name);
}

/** A copy of platform/ with the one edit applied (its file relative to platform/). */
function codeCopy(edit: FileEdit): string {
  return editedCopy(root, ['platform'], [{ file: path.join('platform', edit.file), edit: edit.edit }], 'trust-code-');
}

describe('every live control fails when its promise is broken', () => {
  // Every live control has a break row in some break-*.test.ts (test/controls/break-rows.test.ts);
  // the rows here must name live controls.
  it('breaks only live controls', () => {
    const live = new Set(catalog.controls.filter((c) => c.status === 'live').map((c) => c.id));
    expect(BREAKS.map((b) => b.control).filter((id) => !live.has(id))).toEqual([]);
  });

  for (const b of BREAKS) {
    it(`${b.control}: ${b.how}`, async () => {
      const db = await cloneDemo();
      const saved = { ...process.env };
      let dir: string | undefined;
      try {
        if (b.sql) {
          await withClient(db.adminUrl, (c) => c.query(b.sql!));
        }
        if (b.env) Object.assign(process.env, b.env);
        if (b.code) dir = codeCopy(b.code);
        const results = await evaluateControlOn(db, b.control, { root: dir ?? root, catalog: b.catalog ? b.catalog(catalog) : catalog });
        expectFailsAt(b.control, results, b.origin);
      } finally {
        process.env = saved;
        if (dir) rmSync(dir, { recursive: true, force: true });
        await db.drop();
      }
    });
  }
});
