import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { platformFixture, type TestDb } from './helpers.ts';
import { cloneAgent, destroyAgent, getAgent, provisionAgent, startAgent, stopAgent, transferAgent } from '../../platform/agents/service.ts';
import { destroyVm, provisionVm, setVmFirewall } from '../../platform/vms/service.ts';
import { PlatformError } from '../../platform/kernel/errors.ts';
import type { PlatformContext } from '../../platform/services.ts';

let db: TestDb;
let ctx: PlatformContext;
let accounts: string[];
let admin: pg.Client;

beforeAll(async () => {
  ({ db, ctx, accounts } = await platformFixture(['alpha', 'beta']));
  admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await db.drop();
});

const count = async (table: string) => Number((await admin.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
const WRITTEN = ['agents', 'servers', 'tunnels', 'disks', 'audit_events', 'agent_state_periods', 'provider_operations', 'vms', 'firewall_rules'];
async function snapshot() {
  const counts: Record<string, number> = {};
  for (const t of WRITTEN) counts[t] = await count(t); // one client: one query at a time
  return counts;
}
const at = (iso: string) => new Date(iso);

describe('the database enforces the promises', () => {
  it('refuses to change the region of an agent, even for the superuser', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'pinned' });
    await expect(admin.query(`UPDATE agents SET region = 'eu' WHERE id = $1`, [id])).rejects.toThrow(/region is fixed at provisioning/);
    await expect(admin.query(`UPDATE servers SET region = 'eu' WHERE id = (SELECT server_id FROM agents WHERE id = $1)`, [id])).rejects.toThrow(/region is fixed/);
  });

  it('refuses to change the pinned image, environment or platform version', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'eu', name: 'img', env: { MODE: 'x' } });
    await expect(admin.query(`UPDATE agents SET image_digest = 'sha256:' || repeat('a', 64) WHERE id = $1`, [id])).rejects.toThrow(/pinned at provisioning/);
    await expect(admin.query(`UPDATE agents SET env = '{}' WHERE id = $1`, [id])).rejects.toThrow(/pinned at provisioning/);
    await expect(db.pool('app').query(`UPDATE agents SET platform_version = 'x'`)).rejects.toThrow(/permission denied/);
  });

  it('refuses a second agent on the same server, tunnel or disk', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'owner-of-server' });
    const a = (await admin.query('SELECT * FROM agents WHERE id = $1', [id])).rows[0];
    const insert = (server: string, tunnel: string, disk: string) =>
      admin.query(
        `INSERT INTO agents (id, account_id, region, name, image_digest, platform_version, server_id, tunnel_id, disk_id, provisioned_at)
       VALUES (gen_random_uuid(), $1, 'us', 'squatter', $2, 'v', $3, $4, $5, now())`,
        [a.account_id, a.image_digest, server, tunnel, disk],
      );
    const t2 = (await admin.query(`INSERT INTO tunnels VALUES (gen_random_uuid(), $1, 'us', 'local', 'free-tunnel', now()) RETURNING id`, [a.account_id])).rows[0].id;
    const d2 = (await admin.query(`INSERT INTO disks VALUES (gen_random_uuid(), $1, 'us', 'local', 'free-disk', 10, now()) RETURNING id`, [a.account_id])).rows[0].id;
    await expect(insert(a.server_id, t2, d2)).rejects.toThrow(/agents_server_id_key/);
    const s2 = (await admin.query(`INSERT INTO servers VALUES (gen_random_uuid(), $1, 'us', 'agent', 'local', 'free-server', now()) RETURNING id`, [a.account_id])).rows[0].id;
    await expect(insert(s2, a.tunnel_id, d2)).rejects.toThrow(/agents_tunnel_id_key/);
    await expect(insert(s2, t2, a.disk_id)).rejects.toThrow(/agents_disk_id_key/);
  });

  it('refuses any inbound firewall rule on an agent server', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'closed' });
    const a = (await admin.query('SELECT server_id, account_id FROM agents WHERE id = $1', [id])).rows[0];
    await expect(
      admin.query(`INSERT INTO firewall_rules (server_id, server_kind, account_id, direction, protocol, port_from, port_to) VALUES ($1, 'agent', $2, 'inbound', 'tcp', 22, 22)`, [
        a.server_id,
        a.account_id,
      ]),
    ).rejects.toThrow(/agent_servers_have_no_inbound_rules/);
    // Claiming the agent's server is a VM's does not get around it.
    await expect(
      admin.query(`INSERT INTO firewall_rules (server_id, server_kind, account_id, direction, protocol, port_from, port_to) VALUES ($1, 'vm', $2, 'inbound', 'tcp', 22, 22)`, [
        a.server_id,
        a.account_id,
      ]),
    ).rejects.toThrow(/foreign key/);
    expect(Number((await admin.query(`SELECT count(*) AS n FROM firewall_rules r JOIN servers s ON s.id = r.server_id WHERE s.kind = 'agent' AND r.direction = 'inbound'`)).rows[0].n)).toBe(0);
  });

  it('refuses overlapping state periods', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'periods', at: at('2026-01-01T00:00:00Z') });
    await expect(
      admin.query(`INSERT INTO agent_state_periods (agent_id, account_id, state, period) VALUES ($1, $2, 'running', tstzrange('2026-01-01 12:00Z', '2026-01-02 00:00Z'))`, [id, accounts[0]]),
    ).rejects.toThrow(/agent_state_periods_no_overlap/);
  });
});

/** `call` fails with a PlatformError of `code`. */
async function expectPlatformError(call: () => Promise<unknown>, code: string): Promise<void> {
  const err: unknown = await call().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PlatformError);
  expect((err as PlatformError).code).toBe(code);
}

describe('typed errors write nothing', () => {
  const cases: [string, string, () => Promise<unknown>][] = [
    ['unknown region', 'unknown_region', () => provisionAgent(ctx, { accountId: accounts[0], region: 'mars', name: 'x' })],
    ['product not hosted', 'product_not_hosted', () => provisionVm(ctx, { accountId: accounts[0], region: 'us', name: 'x' })],
    ['missing agent (start)', 'agent_not_found', () => startAgent(ctx, '00000000-0000-4000-8000-000000000000')],
    ['missing agent (destroy)', 'agent_not_found', () => destroyAgent(ctx, '00000000-0000-4000-8000-000000000000')],
    ['missing agent (clone)', 'agent_not_found', () => cloneAgent(ctx, '00000000-0000-4000-8000-000000000000', { image: 'sha256:' + 'b'.repeat(64) })],
    ['not a uuid', 'invalid_id', () => stopAgent(ctx, 'agent-1')],
    ['bad firewall port', 'invalid_firewall_rule', () => provisionVm(ctx, { accountId: accounts[0], region: 'eu', name: 'x', inbound: [{ protocol: 'tcp', portFrom: 0 }] })],
  ];
  for (const [name, code, call] of cases) {
    it(name, async () => {
      const before = await snapshot();
      await expectPlatformError(call, code);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('transfer to the same account, stop of a paused agent, and unknown destination', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'same' });
    const before = await snapshot();
    for (const [call, code] of [
      [() => transferAgent(ctx, id, accounts[0]), 'same_account'],
      [() => stopAgent(ctx, id), 'invalid_state'],
      [() => transferAgent(ctx, id, '00000000-0000-4000-8000-000000000001'), 'account_not_found'],
    ] as const) {
      await expectPlatformError(call, code);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('another account cannot see or act on the agent', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'private' });
    const other = { ...ctx, accounts: [accounts[1]] };
    await expect(startAgent(other, id)).rejects.toMatchObject({ code: 'agent_not_found' });
  });
});

describe('lifecycle', () => {
  it('transfer closes the source period and opens the destination at the transfer event; usage stays with the source', async () => {
    const [a, b] = accounts;
    const id = await provisionAgent(ctx, { accountId: a, region: 'eu', name: 'mover', at: at('2026-02-01T22:00:00Z') });
    await startAgent(ctx, id, { at: at('2026-02-01T23:00:00Z') });
    await transferAgent(ctx, id, b, { at: at('2026-02-02T01:30:00Z') });
    await stopAgent(ctx, id, { at: at('2026-02-02T02:00:00Z') });
    await destroyAgent(ctx, id, { at: at('2026-02-02T03:00:00Z') });

    const periods = (await admin.query(`SELECT account_id, state, lower(period) AS f, upper(period) AS t FROM agent_state_periods WHERE agent_id = $1 ORDER BY lower(period)`, [id])).rows;
    expect(periods.map((p) => [p.account_id, p.state, p.f.toISOString(), p.t.toISOString()])).toEqual([
      [a, 'paused', '2026-02-01T22:00:00.000Z', '2026-02-01T23:00:00.000Z'],
      [a, 'running', '2026-02-01T23:00:00.000Z', '2026-02-02T01:30:00.000Z'],
      [b, 'running', '2026-02-02T01:30:00.000Z', '2026-02-02T02:00:00.000Z'],
      [b, 'paused', '2026-02-02T02:00:00.000Z', '2026-02-02T03:00:00.000Z'],
    ]);
    const ev = (await admin.query(`SELECT occurred_at, account_id, details FROM audit_events WHERE subject_id = $1 AND action = 'agent.transferred'`, [id])).rows;
    expect(ev).toHaveLength(1);
    expect(ev[0].occurred_at.toISOString()).toBe('2026-02-02T01:30:00.000Z');
    expect(ev[0].details).toMatchObject({ from_account_id: a, to_account_id: b });

    const usage = (
      await admin.query(`SELECT account_id, day::text, running_seconds::float8 AS r, paused_seconds::float8 AS p FROM agent_usage_daily WHERE agent_id = $1 ORDER BY day, account_id = $2 DESC`, [
        id,
        a,
      ])
    ).rows;
    expect(usage).toEqual([
      { account_id: a, day: '2026-02-01', r: 3600, p: 3600 },
      { account_id: a, day: '2026-02-02', r: 5400, p: 0 },
      { account_id: b, day: '2026-02-02', r: 1800, p: 3600 },
    ]);
    // Destroyed: the agent and its infrastructure are gone; events and usage remain.
    expect(await getAgent({ ...ctx, accounts: [a, b] }, id)).toBeNull();
    const actions = (await admin.query(`SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq`, [id])).rows.map((r) => r.action);
    expect(actions).toEqual(['agent.provisioned', 'agent.started', 'agent.transferred', 'agent.stopped', 'agent.destroyed']);
    expect(Number((await admin.query(`SELECT count(*) AS n FROM provider_operations WHERE operation LIKE 'destroy_%' AND account_id = $1`, [b])).rows[0].n)).toBe(3);
  });

  it('restart reuses the pinned image; clone creates a new agent on a new image', async () => {
    const id = await provisionAgent(ctx, { accountId: accounts[0], region: 'us', name: 'old', env: { TIER: 'small' } });
    await startAgent(ctx, id);
    await stopAgent(ctx, id);
    await startAgent(ctx, id);
    const before = await getAgent(ctx, id);
    const newImage = 'sha256:' + 'c'.repeat(64);
    const clone = await cloneAgent(ctx, id, { image: newImage });
    const after = await getAgent(ctx, id);
    const c = await getAgent(ctx, clone);
    expect(after?.imageDigest).toBe(before?.imageDigest);
    expect(c).toMatchObject({ imageDigest: newImage, env: { TIER: 'small' }, region: 'us', clonedFrom: id, state: 'paused' });
    expect(c?.serverId).not.toBe(after?.serverId);
  });
});

describe('plain VMs', () => {
  it('deny inbound by default, open only listed ports, and record destroy', async () => {
    const id = await provisionVm(ctx, { accountId: accounts[1], region: 'eu', name: 'web', inbound: [{ protocol: 'tcp', portFrom: 443 }] });
    const rules = async () =>
      (
        await admin.query(
          `SELECT r.direction, r.protocol, r.port_from, r.port_to, f.inbound_default FROM vms v JOIN firewalls f ON f.server_id = v.server_id
        LEFT JOIN firewall_rules r ON r.server_id = v.server_id WHERE v.id = $1 ORDER BY r.port_from`,
          [id],
        )
      ).rows;
    expect(await rules()).toEqual([{ direction: 'inbound', protocol: 'tcp', port_from: 443, port_to: 443, inbound_default: 'deny' }]);
    await setVmFirewall(ctx, id, [
      { protocol: 'tcp', portFrom: 22 },
      { protocol: 'udp', portFrom: 60000, portTo: 61000 },
    ]);
    expect((await rules()).map((r) => `${r.protocol}/${r.port_from}-${r.port_to}`)).toEqual(['tcp/22-22', 'udp/60000-61000']);
    await expect(admin.query(`UPDATE firewalls SET inbound_default = 'allow'`)).rejects.toThrow(/check constraint/);
    await expect(admin.query(`UPDATE firewall_rules SET port_to = 70000`)).rejects.toThrow(/check constraint/);
    await destroyVm(ctx, id);
    expect(await count(`vms WHERE id = '${id}'`)).toBe(0);
    const actions = (await admin.query(`SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq`, [id])).rows.map((r) => r.action);
    expect(actions).toEqual(['vm.provisioned', 'vm.firewall_changed', 'vm.destroyed']);
  });
});
