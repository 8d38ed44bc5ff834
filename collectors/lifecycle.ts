/**
 * The lifecycle collector: do the rows still say what the chained audit events say?
 *
 * A guard (trigger, foreign key) proves that the platform refuses to break a promise; it
 * proves nothing about rows changed behind its back (a superuser session with
 * `session_replication_role = replica` fires neither triggers nor foreign keys). The
 * events are the witness: they are hash-chained, so they cannot be rewritten to agree
 * with a changed row without breaking the chain. This collector compares the rows with
 * them and reports every disagreement as a fact (what the row holds, what the event
 * recorded, the event's seq); the checks in controls/checks/ judge.
 *
 * Cost: four queries whatever the data size, set-based (hash joins and aggregates over
 * agents, VMs and the lifecycle events found through the action index; periods and usage
 * are read through their agent_id indexes for destroyed and transferred agents only),
 * spread over the snapshot's extra connections when there are any. Only ids, regions, digests, versions,
 * accounts, times and second counts: never a secret value or a secret's name.
 */
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';

/** One disagreement between the rows and their witness. */
const ProblemSchema = z.object({
  /** What disagrees, dotted: `agent.region`, `agent.server_region`, `usage.seconds`, `secret.agent_gone`... */
  field: z.string(),
  /** The table whose row is wrong (or whose rows are missing). */
  table: z.string(),
  /** The object: an agent, VM, server, tunnel, disk or period id. */
  id: z.string(),
  /** A related object: the agent a server belongs to, the account of usage rows; null when none. */
  ref: z.string().nullable(),
  /** What the rows hold (null: no row, or nothing to show). */
  actual: z.string().nullable(),
  /** What the witness says (null: no witness). */
  witness: z.string().nullable(),
  /** The audit event that witnesses it; null when there is none. */
  seq: z.number().int().nullable(),
});
export type LifecycleProblem = z.output<typeof ProblemSchema>;

/** At most this many problems are listed per field (the count is always complete). */
export const LISTED_PER_FIELD = 20;

export const LifecycleFactsSchema = z.object({
  counts: z.object({
    agents: z.number().int(),
    vms: z.number().int(),
    /** Destroyed or transferred agents, whose periods and usage were compared with their events. */
    historySubjects: z.number().int(),
    /** Their periods and usage rows. */
    periods: z.number().int(),
    usageRows: z.number().int(),
    /** Open periods (an agent's current state), all agents. */
    openPeriods: z.number().int(),
    /** Servers the provider created and destroyed (provider_operations), compared with lifecycle events. */
    providerServerOps: z.number().int(),
    agentSecrets: z.number().int(),
    /** Agents with an agent.destroyed event; agents with an agent.transferred event, and those events. */
    destroyedAgents: z.number().int(),
    transferredAgents: z.number().int(),
    transfers: z.number().int(),
    /** Periods of transferred agents compared with the ownership the transfer events give. */
    transferredPeriods: z.number().int(),
    /** Live agents whose provisioning event predates the event's env digest (their env has no witness). */
    envUnwitnessed: z.number().int(),
  }),
  /** Problems per field, complete, by field. */
  problemCounts: z.array(z.object({ field: z.string(), count: z.number().int() })),
  /** The first LISTED_PER_FIELD problems of each field, by field, then id. */
  problems: z.array(ProblemSchema),
});
export type LifecycleFacts = z.output<typeof LifecycleFactsSchema>;

/** A text uuid from a subject_id, NULL when it is not one (no cast error on a stray event). */
const asUuid = (col: string) => `CASE WHEN ${col} ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN ${col}::uuid END`;

/**
 * The first event of `action` per subject: the witness (a later duplicate does not override it).
 * `details` only where the query reads them: a materialised CTE keeps every column it selects.
 */
const firstEvent = (action: string, subjectType: string, details = true) => `
  SELECT DISTINCT ON (subject_id) ${asUuid('subject_id')} AS id, seq, occurred_at AS at, account_id${details ? ', details' : ''}
    FROM audit_events WHERE action = '${action}' AND subject_type = '${subjectType}'
   ORDER BY subject_id, seq`;

/** Columns every problem query returns (the outer query ranks and counts them per field). */
const PROBLEM_COLUMNS = 'field, tbl, id, ref, actual, witness, seq';
const ranked = (problems: string) => `
  SELECT ${PROBLEM_COLUMNS}, total FROM (
    SELECT ${PROBLEM_COLUMNS}, count(*) OVER (PARTITION BY field) AS total,
           row_number() OVER (PARTITION BY field ORDER BY id COLLATE "C", ref COLLATE "C", actual COLLATE "C") AS rn
      FROM (${problems}) AS problems) AS r
   WHERE rn <= ${LISTED_PER_FIELD}`;

/**
 * Rows against provisioning events: region (agent, its server, tunnel and disk; VM and its
 * server), the dedicated server, tunnel and disk ids, image digest, platform version, env
 * digest, cloned_from and the clone event's image; and each live agent's account against
 * the account the events give it (its latest transfer's destination, else the provisioning one).
 */
const PINS = `
  WITH prov AS MATERIALIZED (${firstEvent('agent.provisioned', 'agent')}),
  vprov AS MATERIALIZED (${firstEvent('vm.provisioned', 'vm')}),
  clone AS MATERIALIZED (
    SELECT DISTINCT ON (details->>'clone_id') details->>'clone_id' AS clone_id, seq, details->>'image_digest' AS image_digest
      FROM audit_events WHERE action = 'agent.cloned' ORDER BY details->>'clone_id', seq),
  owner AS MATERIALIZED (
    SELECT DISTINCT ON (subject_id) ${asUuid('subject_id')} AS id, seq, details->>'to_account_id' AS account_id
      FROM audit_events WHERE action = 'agent.transferred' ORDER BY subject_id, occurred_at DESC, seq DESC)
  SELECT v.field, v.tbl, v.id, v.ref, v.actual, v.witness, v.seq
    FROM (
      -- One row per agent with what its rows hold and what its events say; only agents
      -- where something differs are unfolded below (a clean platform unfolds none).
      SELECT a.id, a.server_id, a.tunnel_id, a.disk_id, a.cloned_from, p.seq, c.seq AS clone_seq, coalesce(o.seq, p.seq) AS owner_seq,
             ROW(a.region, s.region, t.region, d.region, a.server_id::text, a.tunnel_id::text, a.disk_id::text, a.image_digest, a.platform_version,
                 CASE WHEN p.details ? 'env_sha256' THEN encode(sha256(convert_to(a.env::text, 'UTF8')), 'hex') END, a.cloned_from::text,
                 CASE WHEN a.cloned_from IS NOT NULL THEN a.image_digest END, a.account_id::text) AS actual,
             ROW(p.details->>'region', p.details->>'region', p.details->>'region', p.details->>'region', p.details->>'server_id',
                 p.details->>'tunnel_id', p.details->>'disk_id', p.details->>'image_digest', p.details->>'platform_version',
                 p.details->>'env_sha256', p.details->>'cloned_from', c.image_digest, coalesce(o.account_id, p.account_id::text)) AS witness
        FROM agents a
        LEFT JOIN prov p ON p.id = a.id
        LEFT JOIN servers s ON s.id = a.server_id
        LEFT JOIN tunnels t ON t.id = a.tunnel_id
        LEFT JOIN disks d ON d.id = a.disk_id
        LEFT JOIN clone c ON c.clone_id = a.id::text
        LEFT JOIN owner o ON o.id = a.id) AS x
   CROSS JOIN LATERAL (VALUES
     ('agent.provisioning_event', 'agents', x.id::text, NULL, NULL, NULL, x.seq, x.seq IS NULL),
     ('agent.region', 'agents', x.id::text, NULL, (x.actual).f1, (x.witness).f1, x.seq, x.seq IS NOT NULL),
     ('agent.server_region', 'servers', x.server_id::text, x.id::text, (x.actual).f2, (x.witness).f2, x.seq, x.seq IS NOT NULL),
     ('agent.tunnel_region', 'tunnels', x.tunnel_id::text, x.id::text, (x.actual).f3, (x.witness).f3, x.seq, x.seq IS NOT NULL),
     ('agent.disk_region', 'disks', x.disk_id::text, x.id::text, (x.actual).f4, (x.witness).f4, x.seq, x.seq IS NOT NULL),
     ('agent.server_id', 'agents', x.id::text, NULL, (x.actual).f5, (x.witness).f5, x.seq, x.seq IS NOT NULL),
     ('agent.tunnel_id', 'agents', x.id::text, NULL, (x.actual).f6, (x.witness).f6, x.seq, x.seq IS NOT NULL),
     ('agent.disk_id', 'agents', x.id::text, NULL, (x.actual).f7, (x.witness).f7, x.seq, x.seq IS NOT NULL),
     ('agent.image_digest', 'agents', x.id::text, NULL, (x.actual).f8, (x.witness).f8, x.seq, x.seq IS NOT NULL),
     ('agent.platform_version', 'agents', x.id::text, NULL, (x.actual).f9, (x.witness).f9, x.seq, x.seq IS NOT NULL),
     ('agent.env_sha256', 'agents', x.id::text, NULL, (x.actual).f10, (x.witness).f10, x.seq, x.seq IS NOT NULL),
     ('agent.cloned_from', 'agents', x.id::text, NULL, (x.actual).f11, (x.witness).f11, x.seq, x.seq IS NOT NULL),
     -- A clone is a new agent on a new image: the source's clone event names the clone and its image.
     ('agent.clone_event', 'agents', x.id::text, x.cloned_from::text, (x.actual).f12, (x.witness).f12, x.clone_seq, x.cloned_from IS NOT NULL),
     ('agent.account_id', 'agents', x.id::text, NULL, (x.actual).f13, (x.witness).f13, x.owner_seq, x.seq IS NOT NULL)
   ) AS v(field, tbl, id, ref, actual, witness, seq, applies)
   WHERE (x.seq IS NULL OR x.actual IS DISTINCT FROM x.witness)
     AND v.applies AND (v.field = 'agent.provisioning_event' OR v.actual IS DISTINCT FROM v.witness)
  UNION ALL
  SELECT v.field, v.tbl, v.id, v.ref, v.actual, v.witness, v.seq
    FROM vms m
    LEFT JOIN vprov p ON p.id = m.id
    LEFT JOIN servers s ON s.id = m.server_id
   CROSS JOIN LATERAL (VALUES
     ('vm.provisioning_event', 'vms', m.id::text, NULL, NULL, NULL, p.seq, p.seq IS NULL),
     ('vm.region', 'vms', m.id::text, NULL, m.region, p.details->>'region', p.seq, p.seq IS NOT NULL),
     ('vm.server_region', 'servers', m.server_id::text, m.id::text, s.region, p.details->>'region', p.seq, p.seq IS NOT NULL),
     ('vm.server_id', 'vms', m.id::text, NULL, m.server_id::text, p.details->>'server_id', p.seq, p.seq IS NOT NULL)
   ) AS v(field, tbl, id, ref, actual, witness, seq, applies)
   WHERE v.applies AND (v.field = 'vm.provisioning_event' OR v.actual IS DISTINCT FROM v.witness)`;

/**
 * The history of every agent whose history a promise is about: each destroyed agent (per
 * its agent.destroyed event) and each transferred one (per agent.transferred). Their
 * periods and usage are read per agent through the (agent_id, ...) indexes and aggregated
 * per agent and account: the periods tile the agent's life (closed seconds equal the span
 * from its first start to its open period's start or its last end; at most one open);
 * usage per account equals that account's closed periods; a destroyed agent's periods run
 * from its provisioning event to its destroy event, none open, and its usage covers them.
 * (`OFFSET 0` keeps each per-agent read a lookup in the agent's index: without it the planner
 * flattens the subquery and hashes the whole of both tables, three times slower at scale 100.)
 * Every other agent's periods are left to the structure proofs (the exclusion constraint
 * and the booking trigger cannot be bypassed for rows already there), which keeps this
 * query proportional to the destroyed and transferred agents, not to all history.
 */
const HISTORY = `
  WITH prov AS MATERIALIZED (${firstEvent('agent.provisioned', 'agent', false)}),
  dest AS MATERIALIZED (${firstEvent('agent.destroyed', 'agent', false)}),
  subj AS MATERIALIZED (
    SELECT id FROM dest WHERE id IS NOT NULL
    UNION
    SELECT ${asUuid('subject_id')} FROM audit_events WHERE action = 'agent.transferred' AND ${asUuid('subject_id')} IS NOT NULL),
  per AS MATERIALIZED (
    -- An open period has no upper bound: upper() is NULL, so sum() and max() skip it.
    -- Intervals are summed (integer arithmetic) and turned into seconds once per group.
    SELECT j.id AS agent_id, p.account_id, count(*) AS n, count(*) - count(upper(p.period)) AS open_n,
           extract(epoch FROM coalesce(sum(upper(p.period) - lower(p.period)), interval '0')) AS closed_s,
           min(lower(p.period)) AS first_at, max(upper(p.period)) AS last_end,
           max(lower(p.period)) FILTER (WHERE upper_inf(p.period)) AS open_at
      FROM subj j CROSS JOIN LATERAL (SELECT account_id, period FROM agent_state_periods s WHERE s.agent_id = j.id OFFSET 0) AS p
     GROUP BY j.id, p.account_id),
  used AS MATERIALIZED (
    SELECT j.id AS agent_id, u.account_id, sum(u.running_seconds + u.paused_seconds) AS s, count(*) AS n
      FROM subj j CROSS JOIN LATERAL (SELECT account_id, running_seconds, paused_seconds FROM agent_usage_daily d WHERE d.agent_id = j.id OFFSET 0) AS u
     GROUP BY j.id, u.account_id),
  acct AS MATERIALIZED (
    SELECT coalesce(p.agent_id, u.agent_id) AS agent_id, coalesce(p.account_id, u.account_id) AS account_id,
           coalesce(p.closed_s, 0) AS period_s, coalesce(u.s, 0) AS usage_s
      FROM per p FULL JOIN used u ON u.agent_id = p.agent_id AND u.account_id = p.account_id),
  ag AS MATERIALIZED (
    SELECT agent_id, sum(n) AS n, sum(closed_s) AS closed_s, min(first_at) AS first_at, max(last_end) AS last_end,
           sum(open_n) AS open_n, max(open_at) AS open_at
      FROM per GROUP BY agent_id),
  agu AS (SELECT agent_id, sum(usage_s) AS usage_s FROM acct GROUP BY agent_id),
  problems AS (
    SELECT 'period.tiling' AS field, 'agent_state_periods' AS tbl, g.agent_id::text AS id, NULL AS ref,
           g.closed_s::text || ' s in ' || g.n || ' period(s), ' || g.open_n || ' open' AS actual,
           extract(epoch FROM coalesce(g.open_at, g.last_end) - g.first_at)::text || ' s from first start to last boundary' AS witness,
           NULL::bigint AS seq
      FROM ag g
     WHERE g.open_n > 1 OR g.open_at < g.last_end
        OR g.closed_s IS DISTINCT FROM coalesce(extract(epoch FROM coalesce(g.open_at, g.last_end) - g.first_at), 0)
    UNION ALL
    SELECT 'usage.seconds', 'agent_usage_daily', c.agent_id::text, c.account_id::text, c.usage_s::text, c.period_s::text, NULL
      FROM acct c WHERE c.usage_s <> c.period_s
    UNION ALL
    SELECT 'destroyed.no_history', 'agent_state_periods', d.id::text, NULL, NULL, 'destroyed at ' || d.at::text, d.seq
      FROM dest d LEFT JOIN ag g ON g.agent_id = d.id WHERE g.agent_id IS NULL
    UNION ALL
    SELECT 'destroyed.periods', 'agent_state_periods', d.id::text, NULL,
           coalesce(g.first_at::text, '-') || ' .. ' || coalesce(g.last_end::text, '-') || CASE WHEN g.open_n > 0 THEN ' (open)' ELSE '' END,
           coalesce(p.at::text, '?') || ' .. ' || d.at::text, d.seq
      FROM dest d JOIN ag g ON g.agent_id = d.id LEFT JOIN prov p ON p.id = d.id
     WHERE g.open_n > 0 OR g.last_end IS DISTINCT FROM d.at OR g.first_at IS DISTINCT FROM p.at
    UNION ALL
    SELECT 'destroyed.usage', 'agent_usage_daily', d.id::text, NULL, coalesce(u.usage_s, 0)::text,
           extract(epoch FROM d.at - p.at)::text, d.seq
      FROM dest d JOIN prov p ON p.id = d.id LEFT JOIN agu u ON u.agent_id = d.id
     WHERE coalesce(u.usage_s, 0) <> extract(epoch FROM d.at - p.at)
    UNION ALL
    SELECT 'destroyed.provisioning_event', 'audit_events', d.id::text, NULL, NULL, NULL, d.seq
      FROM dest d LEFT JOIN prov p ON p.id = d.id WHERE p.id IS NULL)
  SELECT (SELECT count(*) FROM subj) AS subjects, (SELECT coalesce(sum(n), 0) FROM ag) AS periods,
         (SELECT coalesce(sum(n), 0) FROM used) AS usage_rows, (SELECT count(*) FROM dest) AS destroyed,
         (SELECT coalesce(json_agg(x), '[]') FROM (${ranked('SELECT * FROM problems')}) AS x) AS problems`;

/**
 * Transferred agents: each period's account against the owner the transfer events give at
 * its start (before a transfer: its source account; after the last: its destination).
 * Periods are read per transferred agent through the (agent_id, lower(period)) index.
 */
const TRANSFERS = `
  WITH tr AS MATERIALIZED (
    SELECT seq, ${asUuid('subject_id')} AS agent_id, occurred_at AS at,
           details->>'from_account_id' AS from_acc, details->>'to_account_id' AS to_acc
      FROM audit_events WHERE action = 'agent.transferred'),
  own AS MATERIALIZED (
    SELECT agent_id, seq, from_acc AS account_id, tstzrange(lag(at) OVER w, at, '[)') AS span
      FROM tr WHERE agent_id IS NOT NULL WINDOW w AS (PARTITION BY agent_id ORDER BY at, seq)
    UNION ALL
    (SELECT DISTINCT ON (agent_id) agent_id, seq, to_acc, tstzrange(at, NULL, '[)')
       FROM tr WHERE agent_id IS NOT NULL ORDER BY agent_id, at DESC, seq DESC)),
  periods AS MATERIALIZED (
    SELECT p.id, p.agent_id, p.account_id, lower(p.period) AS from_at
      FROM (SELECT DISTINCT agent_id FROM tr WHERE agent_id IS NOT NULL) AS t
     CROSS JOIN LATERAL (SELECT id, agent_id, account_id, period FROM agent_state_periods s WHERE s.agent_id = t.agent_id OFFSET 0) AS p),
  problems AS (
    SELECT 'period.account' AS field, 'agent_state_periods' AS tbl, p.id::text AS id, p.agent_id::text AS ref,
           p.account_id::text AS actual, o.account_id AS witness, o.seq
      FROM periods p JOIN own o ON o.agent_id = p.agent_id AND o.span @> p.from_at
     WHERE p.account_id::text IS DISTINCT FROM o.account_id)
  SELECT (SELECT count(*) FROM tr) AS transfers, (SELECT count(DISTINCT agent_id) FROM tr) AS agents,
         (SELECT count(*) FROM periods) AS periods,
         (SELECT coalesce(json_agg(x), '[]') FROM (${ranked('SELECT * FROM problems')}) AS x) AS problems`;

/**
 * What a destroy must leave behind it: no secret of an agent that is gone (no row, or a
 * destroy event), no open period of one, no agent row after its destroy event; and what
 * dedication means in the rows: no server, tunnel or disk held by two live agents or VMs,
 * and each server's kind that of its holder.
 */
const REMAINS = `
  WITH dest AS MATERIALIZED (${firstEvent('agent.destroyed', 'agent', false)}),
  open_n AS MATERIALIZED (SELECT agent_id, count(*) AS n FROM agent_state_periods WHERE upper_inf(period) GROUP BY agent_id),
  server_ops AS MATERIALIZED (
    SELECT operation, resource_id::text AS rid, CASE operation WHEN 'create_server' THEN 'provisioned' ELSE 'destroyed' END AS what
      FROM provider_operations WHERE operation IN ('create_server', 'destroy_server')),
  server_events AS MATERIALIZED (
    SELECT details->>'server_id' AS sid, split_part(action, '.', 2) AS what FROM audit_events
     WHERE action IN ('agent.provisioned', 'agent.destroyed', 'vm.provisioned', 'vm.destroyed')),
  holders AS MATERIALIZED (
    SELECT 'server' AS kind, server_id AS rid, 'agent ' || id AS holder, 'agent' AS want FROM agents
    UNION ALL SELECT 'tunnel', tunnel_id, 'agent ' || id, NULL FROM agents
    UNION ALL SELECT 'disk', disk_id, 'agent ' || id, NULL FROM agents
    UNION ALL SELECT 'server', server_id, 'vm ' || id, 'vm' FROM vms),
  problems AS (
    SELECT 'secret.agent_gone' AS field, 'agent_secrets' AS tbl, s.agent_id::text AS id, NULL AS ref,
           count(*)::text || ' secret row(s)' || CASE WHEN bool_or(a.id IS NOT NULL) THEN ', agent row present' ELSE ', no agent row' END AS actual,
           CASE WHEN min(d.seq) IS NULL THEN NULL ELSE 'destroyed' END AS witness, min(d.seq) AS seq
      FROM agent_secrets s LEFT JOIN agents a ON a.id = s.agent_id LEFT JOIN dest d ON d.id = s.agent_id
     WHERE a.id IS NULL OR d.id IS NOT NULL GROUP BY s.agent_id
    UNION ALL
    SELECT 'period.open_after_destroy', 'agent_state_periods', p.id::text, p.agent_id::text,
           'open since ' || lower(p.period)::text, CASE WHEN d.seq IS NULL THEN NULL ELSE 'destroyed at ' || d.at::text END, d.seq
      FROM agent_state_periods p LEFT JOIN dest d ON d.id = p.agent_id
     WHERE upper_inf(p.period) AND (d.id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = p.agent_id))
    UNION ALL
    -- Every live agent's state is its one open period (read through the partial index).
    SELECT 'period.open_count', 'agent_state_periods', a.id::text, NULL, coalesce(o.n, 0)::text || ' open period(s)', '1', NULL
      FROM agents a LEFT JOIN open_n o ON o.agent_id = a.id WHERE coalesce(o.n, 0) <> 1
    UNION ALL
    -- The provider's own log outlives every subject: each server it created or destroyed
    -- for an agent or a VM has the lifecycle event that names it.
    SELECT 'server_op.event', 'provider_operations', o.rid, o.operation, NULL, NULL, NULL
      FROM server_ops o
     WHERE NOT EXISTS (SELECT 1 FROM server_events e WHERE e.sid = o.rid AND e.what = o.what)
    UNION ALL
    SELECT 'agent.row_after_destroy', 'agents', a.id::text, NULL, 'agent row present', 'destroyed at ' || d.at::text, d.seq
      FROM agents a JOIN dest d ON d.id = a.id
    UNION ALL
    SELECT h.kind || '.shared', h.kind || 's', h.rid::text, NULL, string_agg(h.holder, ', ' ORDER BY h.holder), NULL, NULL
      FROM holders h GROUP BY h.kind, h.rid HAVING count(*) > 1
    UNION ALL
    SELECT 'server.kind', 'servers', h.rid::text, h.holder, s.kind, h.want, NULL
      FROM holders h LEFT JOIN servers s ON s.id = h.rid
     WHERE h.want IS NOT NULL AND s.kind IS DISTINCT FROM h.want)
  SELECT (SELECT count(*) FROM agents) AS agents, (SELECT count(*) FROM vms) AS vms, (SELECT count(*) FROM agent_secrets) AS secrets,
         (SELECT coalesce(sum(n), 0) FROM open_n) AS open_periods, (SELECT count(*) FROM server_ops) AS server_ops,
         (SELECT count(*) FROM agents a JOIN audit_events e ON e.action = 'agent.provisioned' AND e.subject_id = a.id::text
           WHERE NOT e.details ? 'env_sha256') AS env_unwitnessed,
         (SELECT coalesce(json_agg(x), '[]') FROM (${ranked('SELECT * FROM problems')}) AS x) AS problems`;

type ProblemRow = { field: string; tbl: string; id: string; ref: string | null; actual: string | null; witness: string | null; seq: number | string | null; total: number | string };

export default defineCollector({
  id: 'lifecycle',
  version: '1.0.0',
  description: 'Agents, VMs, their servers, tunnels and disks, state periods, usage and secrets against the chained lifecycle events (provisioned, cloned, transferred, destroyed) that witness them.',
  needsDatabase: true,
  // The two whole-table aggregates (periods, usage) run beside the others on the same snapshot.
  connections: 2,
  // Order on the lanes (collectors/lanes.ts): measured among the longest at scale 100.
  cost: 10,
  facts: LifecycleFactsSchema,
  async collect(ctx) {
    const lanes: CollectorContext['sql'][] = [ctx.sql, ...(ctx.parallel ?? [])];
    const on = (i: number) => lanes[i % lanes.length];
    // Same facts with any number of lanes: each query is independent and read-only.
    const [history, pins, transfers, remains] = await Promise.all([
      on(1)<Record<string, unknown>>(HISTORY),
      on(0)<ProblemRow>(`${ranked(PINS)}`),
      on(2)<Record<string, unknown>>(TRANSFERS),
      on(0)<Record<string, unknown>>(REMAINS),
    ]);
    const h = history[0];
    const t = transfers[0];
    const r = remains[0];
    const rows: ProblemRow[] = [...pins, ...(h.problems as ProblemRow[]), ...(t.problems as ProblemRow[]), ...(r.problems as ProblemRow[])];
    const counts = new Map<string, number>();
    for (const p of rows) counts.set(p.field, Number(p.total));
    const cmp = (a: string | null, b: string | null) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
    const problems = rows
      .map((p) => ({ field: p.field, table: `public.${p.tbl}`, id: p.id, ref: p.ref, actual: p.actual, witness: p.witness, seq: p.seq === null ? null : Number(p.seq) }))
      .sort((a, b) => cmp(a.field, b.field) || cmp(a.id, b.id) || cmp(a.ref, b.ref) || cmp(a.actual, b.actual));
    return {
      counts: {
        agents: Number(r.agents),
        vms: Number(r.vms),
        historySubjects: Number(h.subjects),
        periods: Number(h.periods),
        usageRows: Number(h.usage_rows),
        agentSecrets: Number(r.secrets),
        openPeriods: Number(r.open_periods),
        providerServerOps: Number(r.server_ops),
        destroyedAgents: Number(h.destroyed),
        transferredAgents: Number(t.agents),
        transfers: Number(t.transfers),
        transferredPeriods: Number(t.periods),
        envUnwitnessed: Number(r.env_unwitnessed),
      },
      problemCounts: [...counts].map(([field, count]) => ({ field, count })).sort((a, b) => cmp(a.field, b.field)),
      problems,
    };
  },
});
