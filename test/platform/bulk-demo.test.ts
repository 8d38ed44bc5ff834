/**
 * `trust demo --bulk` (platform/demo/bulk.ts) keeps every invariant the services keep: on a
 * bulk-built database the chain verifies from genesis (CLI and library), no state periods
 * overlap and they tile each agent's life, usage equals the periods, every ciphertext
 * decrypts, every foreign key holds (COPY ran without the FK triggers), the rows agree with
 * the audit events, and every live control of the catalog holds. And the bulk data has the
 * same shape as the services' for the same seed: the same counts per table and per action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { runBulkDemo } from '../../platform/demo/bulk.ts';
import { runDemo, type DemoSummary } from '../../platform/demo/run.ts';
import { ChainWriter, jsonbText } from '../../platform/audit/chain-line.ts';
import { GENESIS_HASH, verifyChain } from '../../platform/audit/verify.ts';
import { withCallerEventTime } from '../../platform/audit/clock.ts';
import { bindingSelect, openColumn, storedContext } from '../../platform/crypto/column-cipher.ts';
import { loadEncryptionConfig } from '../../platform/crypto/encrypted-columns.ts';
import { defaultKeyring } from '../../platform/crypto/keyring.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { runCollectors } from '../../collectors/run.ts';
import { bootSettings } from '../../collectors/vm-boot.ts';
import { withTransaction } from '../../platform/db/tx.ts';
import { createVirtualKey, recordProxyRequest } from '../../platform/metering/proxy-metering.ts';
import { recordDailyUsage } from '../../platform/demo/usage-batch.ts';
import { randomKeyringJson } from '../helpers/demo-database.ts';
import { failingChecks } from '../helpers/evaluate-control.ts';

const ROOT = process.cwd();
type Db = Awaited<ReturnType<typeof createTestDatabase>>;
let bulk: Db;
let summary: DemoSummary;

beforeAll(async () => {
  // A configured keyring, as production has (the environment variable form).
  process.env.TRUST_KEYRING ??= randomKeyringJson();
  bulk = await createTestDatabase();
  summary = await runBulkDemo(bulk, { scale: 2, seed: 1, log: () => {} });
}, 600_000);
afterAll(async () => {
  await bulk?.drop();
});

describe('the chain computed in Node', () => {
  it("gives the trigger's hashes, escapes, nulls and millisecond fractions included", async () => {
    const db = await createTestDatabase();
    try {
      const times = [Date.UTC(2026, 0, 5, 1, 2, 3, 0), Date.UTC(2026, 0, 5, 1, 2, 3, 120), Date.UTC(2026, 0, 5, 1, 2, 3, 7), Date.UTC(2026, 1, 1)];
      const rows = [
        { account: null, actor: 'op:\\t\tx\ny\rz\bq\fw\v', subject: 'a\\b', details: { s: 'é\t\\n"q"', n: 1, list: [{ b: null, aa: true }], '': 'k' } },
        { account: null, actor: 'system:demo', subject: 'x', details: {} },
        { account: null, actor: 'system:demo', subject: 'y', details: { inbound_rules: [{ protocol: 'tcp', port_from: 443, port_to: 443, source: '0.0.0.0/0' }] } },
        { account: null, actor: 'system:demo', subject: 'z', details: { region: 'eu', cloned_from: null } },
      ];
      await withCallerEventTime(db.pool('owner'), () =>
        withClient(db.adminUrl, async (c) => {
          for (const [i, r] of rows.entries()) {
            await c.query(`INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details) VALUES ($1, $2, $3, 'test.bulk', 'raw', $4, $5)`, [
              new Date(times[i]),
              r.account,
              r.actor,
              r.subject,
              JSON.stringify(r.details),
            ]);
          }
        }),
      );
      const stored = await withClient(db.adminUrl, (c) => c.query(`SELECT seq, encode(hash, 'hex') AS hash, details::text AS d FROM audit_events ORDER BY seq`));
      const chain = new ChainWriter(0, GENESIS_HASH);
      for (const [i, r] of rows.entries()) {
        expect(jsonbText(r.details)).toBe(stored.rows[i].d);
        const e = chain.next({ occurredAt: times[i], accountId: r.account, actor: r.actor, action: 'test.bulk', subjectType: 'raw', subjectId: r.subject, details: jsonbText(r.details) });
        expect(e.hash.toString('hex')).toBe(stored.rows[i].hash);
      }
    } finally {
      await db.drop();
    }
  });
});

describe("the bulk demo's metering (usage-batch.ts)", () => {
  it('leaves the daily rows recordProxyRequest leaves for the same requests', async () => {
    const db = await createTestDatabase();
    try {
      const app = db.pool('app');
      const [a, b] = [randomUUID(), randomUUID()];
      for (const id of [a, b]) await withTransaction(app, { accounts: [id] }, (c) => c.query(`INSERT INTO accounts (id, name) VALUES ($1, 'metering')`, [id]));
      const keysOf = async (accountId: string) => [
        { ...(await createVirtualKey(app, { accountId, kind: 'llm' })), kind: 'llm' as const },
        { ...(await createVirtualKey(app, { accountId, kind: 'voice' })), kind: 'voice' as const },
      ];
      const [ka, kb] = [await keysOf(a), await keysOf(b)];
      const plan = Array.from({ length: 80 }, (_, i) => ({
        voice: i % 3 === 0,
        model: i % 3 === 0 ? 'tts-hd' : ['claude-haiku', 'gpt-4o-mini'][i % 2],
        cost: 50 + i * 7,
        input: 1 + i,
        output: i % 5,
        at: new Date(Date.UTC(2026, 0, 5 + (i % 4), i % 24)),
      }));
      const requests = (keys: typeof ka) => plan.map((p) => ({ virtualKey: keys[p.voice ? 1 : 0].key, model: p.model, costMicros: p.cost, units: { input: p.input, output: p.output }, at: p.at }));
      for (const r of requests(ka)) await recordProxyRequest(app, r);
      await recordDailyUsage(app, b, kb, requests(kb));
      const rows = (accountId: string, keys: typeof ka) =>
        withClient(
          db.adminUrl,
          async (c) =>
            (
              await c.query(
                `
        SELECT t, CASE virtual_key_id WHEN $2 THEN 'llm' WHEN $3 THEN 'voice' END AS key, model, day::text, requests::text, cost_micros::text, input_units::text, output_units::text
          FROM (SELECT 'llm' AS t, * FROM llm_usage_daily UNION ALL SELECT 'voice', * FROM voice_usage_daily) x
         WHERE account_id = $1 ORDER BY 1, 2, 3, 4`,
                [accountId, keys[0].id, keys[1].id],
              )
            ).rows,
        );
      const plain = await rows(a, ka);
      expect(plain.length).toBeGreaterThan(4);
      expect(await rows(b, kb)).toEqual(plain);
    } finally {
      await db.drop();
    }
  });
});

describe('trust demo --bulk (scale 2)', () => {
  it('builds the core demo and runs core II', async () => {
    expect(summary.skipped).toBe(false);
    expect(summary.accounts).toBe(20);
    expect(summary.agents).toBeGreaterThanOrEqual(200);
    expect(summary.auditEvents).toBeGreaterThan(20_000);
    expect(summary.checkpoints).toBeGreaterThanOrEqual(2);
    const n = await withClient(bulk.adminUrl, (c) =>
      c.query(`SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM oauth_connections) AS oauth, (SELECT count(*) FROM tool_approvals) AS approvals,
      (SELECT count(*) FROM admin_access_log) AS access, (SELECT count(*) FROM deletion_requests) AS deletions, (SELECT count(*) FROM job_runs) AS jobs`),
    );
    for (const [k, v] of Object.entries(n.rows[0])) expect(Number(v), k).toBeGreaterThan(0);
  });

  it('refuses a second bulk load into a filled platform, and skips the same seed', async () => {
    const again = await runBulkDemo(bulk, { scale: 2, seed: 1, log: () => {} });
    expect(again.skipped).toBe(true);
    await expect(runBulkDemo(bulk, { scale: 2, seed: 2, log: () => {} })).rejects.toThrow(/empty platform/);
  });

  it('has a chain that verifies in full, from the CLI and the library, with the head and checkpoints on it', async () => {
    const cli = spawnSync(process.execPath, [path.join(ROOT, 'evidence', 'cli', 'bin.mjs'), 'audit', 'verify', '--full'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: bulk.adminUrl },
    });
    expect(cli.stderr + cli.stdout).toMatch(/audit chain intact/);
    expect(cli.status).toBe(0);
    const c = await bulk.pool('reader').connect();
    try {
      const r = await verifyChain(c, { from: 'genesis', ownTransaction: true });
      expect(r.ok).toBe(true);
      expect(r.eventsVerified).toBe(summary.auditEvents);
      expect(r.storedHead).toEqual({ seq: r.headSeq, hash: r.headHash });
      const cps = await c.query(`SELECT count(*) AS n, count(*) FILTER (WHERE c.hash = e.hash) AS on_chain FROM audit_checkpoints c JOIN audit_events e USING (seq)`);
      expect(Number(cps.rows[0].n)).toBe(summary.checkpoints);
      expect(cps.rows[0].on_chain).toBe(cps.rows[0].n);
      // The chain trigger is on again for everyone else: the services appended after the load.
      const services = await c.query(`SELECT count(*) AS n FROM audit_events WHERE action LIKE 'oauth.%'`);
      expect(Number(services.rows[0].n)).toBeGreaterThan(0);
    } finally {
      c.release();
    }
  });

  it("keeps periods apart and tiling each agent's life, with usage equal to them", async () => {
    const r = await withClient(bulk.adminUrl, (c) =>
      c.query(`
      SELECT (SELECT count(*) FROM agent_state_periods a JOIN agent_state_periods b ON a.agent_id = b.agent_id AND a.id < b.id AND a.period && b.period) AS overlaps,
             (SELECT count(*) FROM (SELECT agent_id FROM agent_state_periods WHERE upper_inf(period) GROUP BY agent_id HAVING count(*) > 1) x) AS two_open,
             (SELECT count(*) FROM agents a WHERE NOT EXISTS (SELECT 1 FROM agent_state_periods p WHERE p.agent_id = a.id AND upper_inf(p.period))) AS live_without_open,
             (SELECT count(*) FROM (SELECT agent_id, lower(period) AS f, lag(upper(period)) OVER (PARTITION BY agent_id ORDER BY lower(period)) AS prev_end FROM agent_state_periods) x
               WHERE prev_end IS NOT NULL AND prev_end <> f) AS gaps,
             (SELECT count(*) FROM (
               SELECT p.agent_id, p.account_id, p.s, coalesce(u.s, 0) AS u FROM
                 (SELECT agent_id, account_id, extract(epoch FROM sum(upper(period) - lower(period))) AS s FROM agent_state_periods WHERE NOT upper_inf(period) GROUP BY 1, 2) p
                 LEFT JOIN (SELECT agent_id, account_id, sum(running_seconds + paused_seconds) AS s FROM agent_usage_daily GROUP BY 1, 2) u USING (agent_id, account_id)) x
               WHERE x.s <> x.u) AS usage_mismatch,
             (SELECT count(*) FROM agent_usage_daily WHERE running_seconds + paused_seconds > 86400) AS over_a_day`),
    );
    expect(r.rows[0]).toEqual({ overlaps: '0', two_open: '0', live_without_open: '0', gaps: '0', usage_mismatch: '0', over_a_day: '0' });
  });

  it('stores ciphertexts that decrypt, bound to their rows', async () => {
    const keyring = defaultKeyring();
    let n = 0;
    for (const col of loadEncryptionConfig().columns) {
      const rows = await withClient(bulk.adminUrl, (c) => c.query(`SELECT ${bindingSelect(col)}, ${col.column} AS v FROM ${col.table} WHERE ${col.column} IS NOT NULL`));
      for (const r of rows.rows) {
        // Bound to its row and owner (tev2): it opens with the row's own binding and with no other.
        expect(r.v).toMatch(/^tev2:/);
        const own = storedContext(col, r);
        expect(openColumn(keyring, own, r.v).length).toBeGreaterThan(0);
        if (n % 100 === 0) expect(() => openColumn(keyring, { ...own, owner: { ...own.owner, account_id: '00000000-0000-4000-8000-000000000000' } }, r.v)).toThrow(/another row, column or owner/);
        n++;
      }
    }
    expect(n).toBeGreaterThan(summary.liveAgents);
  });

  it('breaks no foreign key (COPY ran without the FK triggers)', async () => {
    const fks = await withClient(bulk.adminUrl, (c) =>
      c.query<{ name: string; sql: string }>(`
      SELECT con.conname AS name, format('SELECT count(*) AS n FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)',
               con.conrelid::regclass, string_agg(format('c.%I IS NOT NULL', a.attname), ' AND '), con.confrelid::regclass,
               string_agg(format('p.%I = c.%I', b.attname, a.attname), ' AND ')) AS sql
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(ck, fk)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.ck
        JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = k.fk
       WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
       GROUP BY con.oid, con.conname, con.conrelid, con.confrelid`),
    );
    expect(fks.rows.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const fk of fks.rows) {
      const r = await withClient(bulk.adminUrl, (c) => c.query(fk.sql));
      if (Number(r.rows[0].n) > 0) broken.push(`${fk.name}: ${r.rows[0].n}`);
    }
    expect(broken).toEqual([]);
  });

  it('passes every live control (structure, data against the chain, enforcement probes)', async () => {
    const catalog = await loadCatalog(ROOT);
    const run = await runCollectors(bulk, { root: ROOT, now: new Date(), catalog, auditVerification: 'full' });
    const facts = Object.fromEntries(Object.entries(run.parts).map(([k, v]) => [k, v.facts]));
    const lifecycle = run.parts.lifecycle.facts as { counts: { agents: number; destroyedAgents: number; transferredAgents: number }; problemCounts: unknown[] };
    expect(lifecycle.counts.agents).toBe(summary.liveAgents);
    expect(lifecycle.counts.destroyedAgents).toBe(summary.destroys);
    expect(lifecycle.problemCounts).toEqual([]);
    const failures: string[] = [];
    for (const control of catalog.controls.filter((c) => c.status === 'live')) {
      failures.push(...failingChecks(control, facts));
    }
    expect(failures).toEqual([]);
    expect(JSON.stringify(run.parts)).not.toMatch(/tev\d:\d+:[A-Za-z0-9_-]{20,}/);
    // vm_boot's speed-ups (index-usable join, one parse per distinct document) change no fact:
    // each VM's document and applied rules equal the plain way (every operation read, every text parsed).
    const vmBoot = run.parts.vm_boot.facts as { documents: { vm: string; operation: number | null; parsed: number | null; appliedAllows: string[] | null }[]; parsed: unknown[] };
    const plain = await withClient(bulk.adminUrl, (c) =>
      c.query(`
      SELECT e.subject_id AS vm,
             (SELECT min(p.id) FROM provider_operations p WHERE p.operation = 'create_server' AND p.resource_id::text = e.details->>'server_id') AS op,
             (SELECT p.request->>'user_data' FROM provider_operations p WHERE p.operation = 'create_server' AND p.resource_id::text = e.details->>'server_id' ORDER BY p.id LIMIT 1) AS user_data,
             (SELECT count(*) FROM provider_operations a WHERE a.operation = 'apply_firewall' AND a.resource_id::text = e.details->>'server_id') AS applies
        FROM audit_events e WHERE e.action = 'vm.provisioned' ORDER BY e.seq`),
    );
    expect(vmBoot.documents.map((d) => d.vm)).toEqual(plain.rows.map((r) => r.vm));
    for (const [i, r] of plain.rows.entries()) {
      const d = vmBoot.documents[i];
      expect(d.operation).toBe(r.op === null ? null : Number(r.op));
      expect(d.parsed === null ? null : vmBoot.parsed[d.parsed]).toEqual(r.user_data === null ? null : bootSettings(r.user_data));
      expect(d.appliedAllows === null).toBe(Number(r.applies) === 0);
    }
  }, 300_000);

  it("has the shape of the services' demo for the same seed: counts per table and per action", async () => {
    const services = await createTestDatabase();
    const again = await createTestDatabase();
    try {
      const s = await runDemo(services, { scale: 1, seed: 3, log: () => {} });
      const b = await runBulkDemo(again, { scale: 1, seed: 3, log: () => {} });
      for (const k of ['accounts', 'agents', 'liveAgents', 'vms', 'transfers', 'clones', 'destroys', 'lifecycleOperations', 'auditEvents'] as const) expect(b[k], k).toBe(s[k]);
      const shape = (db: Db) =>
        withClient(db.adminUrl, async (c) => {
          const tables = [
            'accounts',
            'agents',
            'servers',
            'tunnels',
            'disks',
            'firewalls',
            'firewall_rules',
            'vms',
            'agent_secrets',
            'agent_state_periods',
            'agent_usage_daily',
            'provider_operations',
          ];
          const counts = await c.query(tables.map((t) => `SELECT '${t}' AS k, count(*) AS n FROM ${t}`).join(' UNION ALL '));
          const actions = await c.query(`SELECT action AS k, count(*) AS n FROM audit_events WHERE action ~ '^(agent|vm)\\.' GROUP BY action`);
          const ops = await c.query(`SELECT operation AS k, count(*) AS n FROM provider_operations GROUP BY operation`);
          const agents = await c.query(`SELECT id::text AS k, account_id::text || ' ' || region || ' ' || image_digest || ' ' || name AS n FROM agents`);
          const periods = await c.query(`SELECT agent_id::text || ' ' || account_id::text || ' ' || state || ' ' || period::text AS k, 1 AS n FROM agent_state_periods`);
          const map = (r: pg.QueryResult) => Object.fromEntries(r.rows.map((x) => [x.k, String(x.n)]));
          return { counts: map(counts), actions: map(actions), ops: map(ops), agents: map(agents), periods: map(periods) };
        });
      const [x, y] = await Promise.all([shape(services), shape(again)]);
      expect(y.counts).toEqual(x.counts);
      expect(y.actions).toEqual(x.actions);
      expect(y.ops).toEqual(x.ops);
      // Same draws: the same agents in the same accounts, and the very same periods.
      expect(y.agents).toEqual(x.agents);
      expect(y.periods).toEqual(x.periods);
    } finally {
      await services.drop();
      await again.drop();
    }
  }, 600_000);
});
