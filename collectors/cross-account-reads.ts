/**
 * The enforcement collector's cross-account reads (collectors/enforcement.ts): acting for one
 * account, the runtime role tries to see another account's rows on every account table.
 */
import type { CollectorContext } from './types.ts';
import type { ProbeFact } from './enforcement.ts';
import { NO_ACCOUNT, safeMessage, type ProbeAttempt, type ProbeResult } from './probe.ts';
import { quoteIdent } from '../platform/db/quote-ident.ts';

/**
 * Reading another account's rows, on every table with an account_id column: acting for
 * account A, count the rows of account B (the smallest account id in that table). Two
 * statements at most (one per viewing account), whatever the number of tables.
 */
export async function crossAccountReads(sql: CollectorContext['sql'], attempt: (a: ProbeAttempt) => Promise<ProbeResult>, role: string, accounts: string[]): Promise<ProbeFact[]> {
  const tables = await sql<{ table: string; can_select: boolean }>(
    `
    SELECT c.relname AS table, has_table_privilege($1, c.oid, 'SELECT') AS can_select
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       -- A partition is reached through its parent (probed above) unless the role may read it
       -- directly; audit_events' monthly partitions grant nobody anything (migration 0420).
       AND (NOT c.relispartition OR has_table_privilege($1, c.oid, 'SELECT'))
     ORDER BY c.relname COLLATE "C"`,
    [role],
  );
  if (!tables.length) return [];
  // ORDER BY the column, qualified: a bare `account_id` would name the text output column and
  // sort every row of the table; the column itself is read from its index (the smallest first).
  const owners = await sql<{ table: string; owner: string | null }>(
    tables
      .map((t, i) => `SELECT ${i}::int AS i, '${t.table}' AS table, (SELECT x.account_id::text FROM ${quoteIdent(t.table)} x WHERE x.account_id IS NOT NULL ORDER BY x.account_id LIMIT 1) AS owner`)
      .join(' UNION ALL ') + ' ORDER BY i',
  );
  const out: ProbeFact[] = [];
  const viewerOf = (owner: string) => accounts.find((a) => a !== owner) ?? NO_ACCOUNT;
  const groups = new Map<string, { table: string; owner: string }[]>();
  for (const o of owners) {
    const base = { name: `cross_account_read.${o.table}`, table: o.table, act: 'read' as const, statement: '', target: null, sqlstate: null, message: null, rows: null, note: null };
    const can = tables.find((t) => t.table === o.table)!.can_select;
    if (!o.owner) out.push({ ...base, table: `public.${o.table}`, outcome: 'empty', note: 'the table holds no row with an account' });
    else if (!can) out.push({ ...base, table: `public.${o.table}`, target: `account ${o.owner}`, outcome: 'no_privilege', note: `${role} holds no SELECT on the table` });
    else {
      const v = viewerOf(o.owner);
      groups.set(v, [...(groups.get(v) ?? []), { table: o.table, owner: o.owner }]);
    }
  }
  for (const [viewer, group] of groups) {
    // LIMIT 1: one visible row is enough to prove a leak; the count stays cheap at any size.
    const text =
      group.map((g, i) => `SELECT ${i}::int AS i, (SELECT count(*) FROM (SELECT 1 FROM ${quoteIdent(g.table)} WHERE account_id = $${i + 1} LIMIT 1) s)::int AS seen`).join(' UNION ALL ') +
      ' ORDER BY i';
    const r = await attempt({ accounts: [viewer], sql: text, params: group.map((g) => g.owner) });
    for (const [i, g] of group.entries()) {
      const statement = `SELECT count(*) FROM (SELECT 1 FROM ${quoteIdent(g.table)} WHERE account_id = $1 LIMIT 1) s -- acting for another account`;
      const fact: ProbeFact = {
        name: `cross_account_read.${g.table}`,
        table: `public.${g.table}`,
        act: 'read',
        statement,
        target: `account ${g.owner}`,
        outcome: 'completed',
        sqlstate: null,
        message: null,
        rows: null,
        note: null,
      };
      if (r.raised) Object.assign(fact, { outcome: 'raised', sqlstate: r.sqlstate, message: safeMessage(r.message) });
      else fact.rows = Number(r.rows.find((x) => Number(x.i) === i)?.seen ?? 0);
      out.push(fact);
    }
  }
  return out;
}
