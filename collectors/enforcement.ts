/**
 * The enforcement collector: attempts the acts the platform's promises forbid, as the
 * runtime role, and records what the database did (collectors/probe.ts runs each attempt
 * in a savepoint of a transaction that is always rolled back). It records outcomes only;
 * controls/checks/probe-refused.ts judges them.
 *
 * Targets are existing rows chosen deterministically in the reader's snapshot (the
 * smallest key), so two runs on the same data give the same facts. Attempts consume no
 * sequence value (they update existing rows, insert into uuid-keyed tables, or supply the
 * identity value) and never insert into audit_events, so the audit chain is untouched.
 * Facts carry the statement with its placeholders, never the values bound to them, and
 * the server's message without its DETAIL (which may quote a row).
 */
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { NO_ACCOUNT, safeMessage, type ProbeAttempt, type ProbeResult } from './probe.ts';
import { crossAccountReads } from './cross-account-reads.ts';

// Re-exported for the probe tests, which pin what a fact may quote of a server message.
export { safeMessage };
import { byKey } from './sort.ts';

const ProbeFactSchema = z.object({
  /** Stable name a control's check refers to, e.g. `audit_events.update`. */
  name: z.string(),
  /** The table the act targets, e.g. `public.audit_events`. */
  table: z.string(),
  /** write: refused means the statement raised. read: refused means it saw no row. */
  act: z.enum(['write', 'read']),
  /** The statement as sent (placeholders, not values). */
  statement: z.string(),
  /** The row tried on, when there is one (`seq 1`, `id <uuid>`). */
  target: z.string().nullable(),
  /**
   * raised: the database raised (sqlstate, message); completed: it ran (rows affected or
   * seen); not_run: nothing to try it on (note says why); empty: a read of a table with no
   * row at all; no_privilege: a read the runtime role holds no SELECT for (not sent).
   */
  outcome: z.enum(['raised', 'completed', 'not_run', 'empty', 'no_privilege']),
  sqlstate: z.string().nullable(),
  message: z.string().nullable(),
  rows: z.number().int().nullable(),
  note: z.string().nullable(),
});
export type ProbeFact = z.output<typeof ProbeFactSchema>;

export const EnforcementFactsSchema = z.object({
  runtime: z.object({
    available: z.boolean(),
    /** The role the probes ran as (current_user of the probe session). */
    role: z.string().nullable(),
    /** Why the probes were skipped, when they were. */
    reason: z.string().nullable(),
  }),
  probes: z.array(ProbeFactSchema),
});
export type EnforcementFacts = z.output<typeof EnforcementFactsSchema>;

/** A fixed, recognisable non-secret stand-in for what a careless writer would store. */
const PLAINTEXT = 'trust-probe-plaintext-not-a-secret';
/** Well-formed ciphertext shape, so only the column under test can refuse the row. */
const CIPHERTEXT_SHAPE = 'tev2:1:' + 'A'.repeat(43);

interface Targets {
  audit_event: { seq: string; account: string } | null;
  checkpoint: string | null;
  closed_period: { id: string; account: string } | null;
  agent: { id: string; account: string; region: string; image: string } | null;
  vm: { id: string; account: string; region: string } | null;
  regions: string[];
  consumed_state: { id: string; account: string } | null;
  accounts: string[];
}

export default defineCollector({
  id: 'enforcement',
  version: '1.0.0',
  description: 'Forbidden acts attempted as the runtime role in transactions that are always rolled back, with what the database did (SQLSTATE and message, or the rows it let through).',
  needsDatabase: true,
  needsRuntime: true,
  facts: EnforcementFactsSchema,
  async collect(ctx) {
    const runtime = ctx.runtime;
    if (!runtime || !runtime.available) {
      return { runtime: { available: false, role: null, reason: runtime?.reason ?? 'no runtime session was provided' }, probes: [] };
    }
    const probes: ProbeFact[] = [];
    const write = async (name: string, table: string, target: string | null, a: ProbeAttempt | null, note?: string) => {
      probes.push(record(name, table, 'write', target, a, a ? await runtime.attempt(a) : null, note));
    };

    // TRUNCATE first, while the reader's transaction holds no lock on these tables: an
    // attempt the privileges let through queues for an ACCESS EXCLUSIVE lock, and would
    // otherwise wait for our own reader (the trigger behind it would never be reached).
    for (const t of ['audit_events', 'audit_checkpoints', 'agent_state_periods']) {
      await write(`${t}.truncate`, t, null, { accounts: [], sql: `TRUNCATE ${t}` });
    }
    // The other probes take row locks only, which no reader waits for: the other collectors may start.
    ctx.readersMayStart?.();

    const [x] = await ctx.sql<{ t: Targets }>(`
      SELECT json_build_object(
        'audit_event', (SELECT json_build_object('seq', seq::text, 'account', account_id) FROM audit_events WHERE account_id IS NOT NULL ORDER BY seq LIMIT 1),
        'checkpoint', (SELECT seq::text FROM audit_checkpoints ORDER BY seq LIMIT 1),
        'closed_period', (SELECT json_build_object('id', id::text, 'account', account_id) FROM agent_state_periods WHERE NOT upper_inf(period) ORDER BY id LIMIT 1),
        'agent', (SELECT json_build_object('id', id, 'account', account_id, 'region', region, 'image', image_digest) FROM agents ORDER BY id LIMIT 1),
        'vm', (SELECT json_build_object('id', id, 'account', account_id, 'region', region) FROM vms ORDER BY id LIMIT 1),
        'regions', ARRAY(SELECT id FROM regions ORDER BY id COLLATE "C"),
        'consumed_state', (SELECT json_build_object('id', id, 'account', account_id) FROM oauth_states WHERE consumed_at IS NOT NULL ORDER BY id LIMIT 1),
        'accounts', ARRAY(SELECT id FROM accounts ORDER BY id LIMIT 2)
      ) AS t`);
    const t = x.t;
    /** Another account than `id`: the first or second smallest, or a uuid no account has. */
    const other = (id: string) => t.accounts.find((a) => a !== id) ?? NO_ACCOUNT;
    const none = (what: string) => `no row of ${what} to try it on`;

    // Append-only history: audit events, checkpoints, closed state periods.
    const ev = t.audit_event;
    await write(
      'audit_events.update',
      'audit_events',
      ev && `seq ${ev.seq}`,
      ev && { accounts: [ev.account], sql: 'UPDATE audit_events SET actor = actor WHERE seq = $1', params: [ev.seq] },
      none('audit_events'),
    );
    await write('audit_events.delete', 'audit_events', ev && `seq ${ev.seq}`, ev && { accounts: [ev.account], sql: 'DELETE FROM audit_events WHERE seq = $1', params: [ev.seq] }, none('audit_events'));
    const cp = t.checkpoint;
    await write(
      'audit_checkpoints.update',
      'audit_checkpoints',
      cp && `seq ${cp}`,
      cp ? { accounts: [], sql: 'UPDATE audit_checkpoints SET key_id = key_id WHERE seq = $1', params: [cp] } : null,
      none('audit_checkpoints'),
    );
    await write(
      'audit_checkpoints.delete',
      'audit_checkpoints',
      cp && `seq ${cp}`,
      cp ? { accounts: [], sql: 'DELETE FROM audit_checkpoints WHERE seq = $1', params: [cp] } : null,
      none('audit_checkpoints'),
    );
    const p = t.closed_period;
    await write(
      'agent_state_periods.rewrite_closed',
      'agent_state_periods',
      p && `id ${p.id}`,
      p && { accounts: [p.account], sql: `UPDATE agent_state_periods SET period = tstzrange(lower(period), upper(period) + interval '1 second', '[)') WHERE id = $1`, params: [p.id] },
      none('agent_state_periods (closed)'),
    );
    await write(
      'agent_state_periods.delete',
      'agent_state_periods',
      p && `id ${p.id}`,
      p && { accounts: [p.account], sql: 'DELETE FROM agent_state_periods WHERE id = $1', params: [p.id] },
      none('agent_state_periods (closed)'),
    );
    // An overlapping period for the same agent. The identity value is given (0, which the
    // identity never issues) so no sequence value is consumed and the primary key cannot
    // be what refuses it; the period is closed so the one-open-period index is not either.
    await write(
      'agent_state_periods.overlap',
      'agent_state_periods',
      p && `id ${p.id}`,
      p && {
        accounts: [p.account],
        sql: `INSERT INTO agent_state_periods (id, agent_id, account_id, state, period) OVERRIDING SYSTEM VALUE
              SELECT 0, agent_id, account_id, state, tstzrange(lower(period), lower(period) + interval '1 microsecond', '[)') FROM agent_state_periods WHERE id = $1`,
        params: [p.id],
      },
      none('agent_state_periods (closed)'),
    );

    // Pinned region and image.
    const ag = t.agent;
    const otherRegion = (r: string) => t.regions.find((x) => x !== r) ?? null;
    const agRegion = ag && otherRegion(ag.region);
    await write(
      'agents.region_change',
      'agents',
      ag && `id ${ag.id}`,
      ag && agRegion ? { accounts: [ag.account], sql: 'UPDATE agents SET region = $2 WHERE id = $1', params: [ag.id, agRegion] } : null,
      ag ? 'only one region exists' : none('agents'),
    );
    const vm = t.vm;
    const vmRegion = vm && otherRegion(vm.region);
    await write(
      'vms.region_change',
      'vms',
      vm && `id ${vm.id}`,
      vm && vmRegion ? { accounts: [vm.account], sql: 'UPDATE vms SET region = $2 WHERE id = $1', params: [vm.id, vmRegion] } : null,
      vm ? 'only one region exists' : none('vms'),
    );
    const digest = ag && 'sha256:' + (ag.image === 'sha256:' + '0'.repeat(64) ? '1' : '0').repeat(64);
    await write(
      'agents.image_change',
      'agents',
      ag && `id ${ag.id}`,
      ag && { accounts: [ag.account], sql: 'UPDATE agents SET image_digest = $2 WHERE id = $1', params: [ag.id, digest] },
      none('agents'),
    );
    await write(
      'agents.env_change',
      'agents',
      ag && `id ${ag.id}`,
      ag && { accounts: [ag.account], sql: `UPDATE agents SET env = env || '{"TRUST_PROBE": "1"}' WHERE id = $1`, params: [ag.id] },
      none('agents'),
    );
    await write(
      'agents.platform_version_change',
      'agents',
      ag && `id ${ag.id}`,
      ag && { accounts: [ag.account], sql: `UPDATE agents SET platform_version = left(platform_version, 40) || '-probe' WHERE id = $1`, params: [ag.id] },
      none('agents'),
    );

    // Plaintext where only ciphertext may be stored (uuid keys: no sequence involved).
    const acct = t.accounts[0] ?? null;
    await write(
      'oauth_connections.access_token_plaintext',
      'oauth_connections',
      acct && `account ${acct}`,
      acct ? { accounts: [acct], sql: `INSERT INTO oauth_connections (account_id, provider, access_token) VALUES ($1, 'trust_probe', $2)`, params: [acct, PLAINTEXT] } : null,
      none('accounts'),
    );
    await write(
      'oauth_connections.refresh_token_plaintext',
      'oauth_connections',
      acct && `account ${acct}`,
      acct
        ? { accounts: [acct], sql: `INSERT INTO oauth_connections (account_id, provider, access_token, refresh_token) VALUES ($1, 'trust_probe', $2, $3)`, params: [acct, CIPHERTEXT_SHAPE, PLAINTEXT] }
        : null,
      none('accounts'),
    );
    await write(
      'agent_secrets.plaintext',
      'agent_secrets',
      ag && `agent ${ag.id}`,
      ag && { accounts: [ag.account], sql: `INSERT INTO agent_secrets (agent_id, account_id, name, ciphertext) VALUES ($1, $2, 'TRUST_PROBE', $3)`, params: [ag.id, ag.account, PLAINTEXT] },
      none('agents'),
    );

    // A consumed OAuth state stored again (the UNIQUE state hash is what makes it single-use;
    // the hash is copied inside the statement, so it never reaches this process).
    const st = t.consumed_state;
    await write(
      'oauth_states.reissue_consumed',
      'oauth_states',
      st && `id ${st.id}`,
      st && {
        accounts: [st.account],
        sql: `INSERT INTO oauth_states (account_id, provider, state_hash, expires_at) SELECT account_id, provider, state_hash, now() + interval '10 minutes' FROM oauth_states WHERE id = $1`,
        params: [st.id],
      },
      none('oauth_states (consumed)'),
    );

    // The same state made usable again by writing its row instead (0435 refuses each): the
    // consumption undone, its times moved on, or the row deleted so its hash could come back.
    await write(
      'oauth_states.unconsume',
      'oauth_states',
      st && `id ${st.id}`,
      st && { accounts: [st.account], sql: 'UPDATE oauth_states SET consumed_at = NULL WHERE id = $1', params: [st.id] },
      none('oauth_states (consumed)'),
    );
    await write(
      'oauth_states.extend',
      'oauth_states',
      st && `id ${st.id}`,
      st && { accounts: [st.account], sql: `UPDATE oauth_states SET created_at = now(), expires_at = now() + interval '10 minutes' WHERE id = $1`, params: [st.id] },
      none('oauth_states (consumed)'),
    );
    // Deleting needs a state still alive (expired ones go by retention): one is made, consumed
    // and deleted in one block, all inside the probe's rolled-back savepoint.
    await write(
      'oauth_states.delete_consumed',
      'oauth_states',
      acct && `a fresh state of account ${acct}`,
      acct && /^[0-9a-f-]{36}$/i.test(acct)
        ? {
            accounts: [acct],
            sql: `DO $probe$ DECLARE v uuid; BEGIN
        INSERT INTO oauth_states (account_id, provider, state_hash, expires_at)
          VALUES ('${acct}', 'trust_probe', md5(random()::text) || md5(random()::text), now() + interval '10 minutes') RETURNING id INTO v;
        UPDATE oauth_states SET consumed_at = now() WHERE id = v;
        DELETE FROM oauth_states WHERE id = v;
      END $probe$`,
          }
        : null,
      none('accounts'),
    );

    // Writing another account's rows while acting for one: row-level security's WITH CHECK.
    await write(
      'cross_account_write.insert',
      'oauth_states',
      acct && `account ${other(acct)}`,
      acct
        ? {
            accounts: [acct],
            sql: `INSERT INTO oauth_states (account_id, provider, state_hash, expires_at) VALUES ($1, 'trust_probe', repeat('0', 64), now() + interval '5 minutes')`,
            params: [other(acct)],
          }
        : null,
      none('accounts'),
    );
    await write(
      'cross_account_write.move',
      'oauth_states',
      st && `id ${st.id}`,
      st && { accounts: [st.account], sql: 'UPDATE oauth_states SET account_id = $2 WHERE id = $1', params: [st.id, other(st.account)] },
      none('oauth_states'),
    );
    await write(
      'cross_account_write.agents_insert',
      'agents',
      ag && `account ${ag.account}`,
      ag && {
        accounts: [other(ag.account)],
        sql: `INSERT INTO agents (id, account_id, region, name, image_digest, platform_version, server_id, tunnel_id, disk_id, provisioned_at)
              VALUES ('${NO_ACCOUNT}', $1, $2, 'trust probe', 'sha256:' || repeat('0', 64), 'probe', '${NO_ACCOUNT}', '${NO_ACCOUNT}', '${NO_ACCOUNT}', now())`,
        params: [ag.account, ag.region],
      },
      none('agents'),
    );

    probes.push(...(await crossAccountReads(ctx.sql, runtime.attempt, runtime.role, t.accounts)));
    return { runtime: { available: true, role: runtime.role, reason: null }, probes: probes.sort(byKey((q) => q.name)) };
  },
});

function record(name: string, table: string, act: 'write' | 'read', target: string | null, a: ProbeAttempt | null, r: ProbeResult | null, note?: string): ProbeFact {
  const base = { name, table: `public.${table}`, act, statement: a ? a.sql.replace(/\s+/g, ' ').trim() : '', target, sqlstate: null, message: null, rows: null, note: null };
  if (!a || !r) return { ...base, outcome: 'not_run', note: note ?? 'nothing to try it on' };
  if (r.raised) return { ...base, outcome: 'raised', sqlstate: r.sqlstate, message: safeMessage(r.message) };
  return { ...base, outcome: 'completed', rows: r.rowCount };
}
