/**
 * Judgement shared by the structure checks that ask whether a guard is *effective*, not only
 * present: validated constraints, triggers that fire in every session, role drift and
 * privileges as PostgreSQL computes them, row-level security per command.
 */
import type { AccessFacts, RoleAccess } from '../../collectors/access.ts';
import type { SchemaFacts, TableFacts, TriggerFacts } from '../../collectors/schema.ts';
import type { FactSet } from '../../collectors/types.ts';
import type { Finding } from './types.ts';
import { factsOf, fail } from './helpers.ts';
import { qualified } from './schema-helpers.ts';

export const accessOf = (facts: FactSet) => factsOf<AccessFacts>(facts, 'access');

/**
 * A CHECK or FOREIGN KEY added NOT VALID guards new writes only: the rows already there were
 * never checked. pg_get_constraintdef() ends the definition with ` NOT VALID` exactly when
 * pg_constraint.convalidated is false (ruleutils.c), and the schema collector's assembled
 * definitions do the same, so the definition is the fact.
 */
export function notValidated(c: { definition: string }): boolean {
  return /\sNOT VALID$/.test(c.definition);
}

/**
 * A guard trigger must fire in every session. 'O' (the default) does not fire while
 * session_replication_role = replica, which any superuser can set for one transaction (or
 * impose on a login with ALTER ROLE ... SET): the guard is then off without its definition
 * changing. 'A' (ENABLE ALWAYS) fires in origin, local and replica sessions; migration 0240
 * makes the platform's guards so.
 */
export function firesAlways(t: TriggerFacts): boolean {
  return t.enabled === 'A';
}

export function originOnlyReason(table: TableFacts, t: TriggerFacts): string {
  return `Trigger \`${t.name}\` on \`${qualified(table)}\` is enabled in origin mode only (O), so it does not fire in a session with session_replication_role = replica; a guard must be ENABLE ALWAYS.`;
}

/**
 * Predefined roles whose membership is a privilege in itself, and what each hands over. A
 * membership outside a role's allow-list fails whether or not it is listed here; the list
 * only says why the well-known ones matter.
 */
export const PRIVILEGED_ROLES: Record<string, string> = {
  pg_write_all_data: 'INSERT, UPDATE and DELETE on every table whatever its grants',
  pg_read_all_data: 'SELECT on every table whatever its grants',
  pg_read_server_files: "reading any file the server's operating-system user can read (the data files included)",
  pg_write_server_files: "writing any file the server's operating-system user can write (configuration included)",
  pg_execute_server_program: 'running programs on the database server as its operating-system user',
  pg_signal_backend: "cancelling or terminating other sessions, the platform's own included",
  pg_maintain: 'VACUUM, REINDEX, CLUSTER, REFRESH and LOCK TABLE on every table',
  pg_create_subscription: 'creating subscriptions that write replicated rows into tables',
  pg_database_owner: 'ownership of the schemas the database owner owns',
};

/** Attributes a platform role must not have, and what each allows. */
const ATTRIBUTES: [keyof RoleAccess, string, string][] = [
  ['superuser', 'SUPERUSER', 'bypasses every privilege check, row-level security and can disable any trigger'],
  ['bypassRls', 'BYPASSRLS', 'ignores every row-level security policy'],
  ['createRole', 'CREATEROLE', 'can create roles and grant itself their memberships'],
  ['createDb', 'CREATEDB', 'can create databases'],
  ['replication', 'REPLICATION', 'can stream every row of the cluster, past row-level security'],
];

/**
 * Role drift: attributes, login settings that switch guards off, memberships outside
 * `allowMemberships`, ownership of the database or of tables (directly or through a role it
 * belongs to), CREATE on a schema. Returns failing findings only; none means no drift.
 */
export function roleDrift(schema: SchemaFacts, r: RoleAccess, opts: { allowMemberships: string[]; ownsNoTables: boolean; schemaCreate: boolean; access: AccessFacts }): Finding[] {
  const out: Finding[] = [];
  const origin = { resource: `role:${r.name}` };
  for (const [key, word, why] of ATTRIBUTES) {
    if (r[key] === true) out.push(fail(`Role \`${r.name}\` has ${word}: it ${why}.`, origin, `${word}=true`));
  }
  for (const setting of r.config) {
    // replica: ordinary triggers (and foreign keys, which are triggers) stop firing in its sessions.
    if (/^session_replication_role=(replica|local)$/i.test(setting)) {
      out.push(fail(`Role \`${r.name}\` logs in with \`${setting}\`, so triggers enabled in origin mode and foreign keys do not fire in its sessions.`, origin, setting));
    }
  }
  for (const m of r.memberOf) {
    if (opts.allowMemberships.includes(m.role)) continue;
    const group = schema.roles.find((x) => x.name === m.role);
    const owned = schema.tables.filter((t) => t.owner === m.role).length;
    const why = PRIVILEGED_ROLES[m.role]
      ? `which gives ${PRIVILEGED_ROLES[m.role]}`
      : group?.superuser
        ? 'a superuser role'
        : group?.bypassRls
          ? 'a BYPASSRLS role'
          : owned
            ? `the owner of ${owned} table(s), so it can disable their triggers and row-level security`
            : 'a membership it is not allowed';
    const via = m.via.length ? ` (through ${m.via.map((v) => `\`${v}\``).join(' → ')})` : '';
    out.push(fail(`Role \`${r.name}\` is a member of \`${m.role}\`${via}, ${why}.`, origin, `member of ${m.role}`));
  }
  if (r.ownsDatabase) out.push(fail(`Role \`${r.name}\` owns the database \`${schema.database}\`, so it can change its settings and owns its public schema.`, origin, 'owns database'));
  if (opts.schemaCreate) {
    for (const s of opts.access.schemas.filter((x) => x.role === r.name && x.privileges.includes('CREATE'))) {
      out.push(fail(`Role \`${r.name}\` may CREATE in schema \`${s.schema}\`, so it can add tables, functions and triggers there.`, { resource: `schema:${s.schema}` }, 'CREATE'));
    }
  }
  if (opts.ownsNoTables) {
    const owners = new Set([r.name, ...r.memberOf.map((m) => m.role)]);
    const owned = schema.tables.filter((t) => owners.has(t.owner));
    if (owned.length) {
      const t = owned[0];
      const how = t.owner === r.name ? '' : ` through its membership in \`${t.owner}\``;
      out.push(
        fail(
          `Role \`${r.name}\` owns ${owned.length} table(s)${how}, e.g. \`${qualified(t)}\`, so it can disable their triggers and row-level security.`,
          { resource: `table:${qualified(t)}` },
          `owner ${t.owner}`,
        ),
      );
    }
  }
  return out;
}

/** The effective privileges of `role` on `schema.name` (empty when it holds none). */
export function effectivePrivileges(access: AccessFacts, role: string, table: { schema: string; name: string }): string[] {
  return access.relations.find((x) => x.role === role && x.schema === table.schema && x.name === table.name)?.privileges ?? [];
}

/** Where an effective privilege comes from, as far as the table's own ACL says. */
export function privilegeSource(t: TableFacts, role: string, privilege: string, r: RoleAccess | undefined): string {
  if (t.grants.some((g) => g.grantee === role && g.privilege === privilege)) return 'granted to it directly';
  if (t.grants.some((g) => g.grantee === 'PUBLIC' && g.privilege === privilege)) return 'granted to PUBLIC';
  if (t.owner === role) return 'as the owner';
  const via = r?.memberOf.find((m) => m.role === t.owner || t.grants.some((g) => g.grantee === m.role && g.privilege === privilege));
  if (via) return `through its membership in \`${via.role}\``;
  if (r?.superuser) return 'as a superuser';
  return 'through a column grant or a role membership';
}

// ---------------------------------------------------------------------------------------
// Row-level security, per command.

export type Command = 'select' | 'insert' | 'update' | 'delete';
export const COMMANDS: Command[] = ['select', 'insert', 'update', 'delete'];

/** Where the string literal opening at `open` ends: the index of its closing quote ('' inside is an escaped quote). */
function literalEnd(e: string, open: number): number {
  let i = open + 1;
  while (i < e.length && !(e[i] === "'" && e[i + 1] !== "'")) i += e[i] === "'" ? 2 : 1;
  return i;
}

/** Removes parentheses that enclose the whole expression: `((a = b))` -> `a = b`. */
export function stripParens(expr: string): string {
  let e = expr.trim();
  for (;;) {
    if (!e.startsWith('(') || !e.endsWith(')')) return e;
    let depth = 0;
    let closesAtEnd = true;
    for (let i = 0; i < e.length; i++) {
      const ch = e[i];
      if (ch === "'") {
        i = literalEnd(e, i);
        continue;
      }
      if (ch === '(') depth++;
      else if (ch === ')') {
        depth--;
        if (depth === 0 && i < e.length - 1) {
          closesAtEnd = false;
          break;
        }
      }
    }
    if (!closesAtEnd) return e;
    e = e.slice(1, -1).trim();
  }
}

/** Splits at top-level `op` (AND / OR) outside parentheses and string literals. */
export function splitTop(expr: string, op: 'AND' | 'OR'): string[] {
  const e = stripParens(expr);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const token = ` ${op} `;
  for (let i = 0; i < e.length; i++) {
    const ch = e[i];
    if (ch === "'") {
      i = literalEnd(e, i);
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && e.startsWith(token, i)) {
      parts.push(e.slice(start, i));
      start = i + token.length;
      i += token.length - 1;
    }
  }
  parts.push(e.slice(start));
  return parts.map(stripParens);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `expr` is exactly the tenant filter `column = ANY (fn)`, as pg_get_expr deparses it,
 * directly or through the initplan form `(SELECT fn AS name)::type[]` (migration 0200 uses it
 * on audit_events so the function runs once per statement).
 */
export function isTenantFilter(expr: string, column: string, fn: string): boolean {
  const m = new RegExp(`^${esc(column)} = ANY \\((.*)\\)$`).exec(stripParens(expr));
  if (!m) return false;
  let inner = stripParens(m[1]).replace(/::[a-z_ ]+\[\]$/, '');
  inner = stripParens(inner);
  if (inner === fn) return true;
  const sub = new RegExp(`^SELECT ${esc(fn)} AS \\w+$`).exec(inner.replace(/\s+/g, ' '));
  return Boolean(sub);
}

/**
 * A policy expression keeps every row to the transaction's accounts: one of its top-level
 * AND-ed terms is the tenant filter (more terms can only narrow it). With `allowNull`, also
 * `column IS NULL OR filter`: for WITH CHECK a written row then belongs to the caller or to no
 * account, never to another one.
 */
export function filtersOnTenant(expr: string | null, column: string, fn: string, allowNull = false): boolean {
  if (expr === null) return false;
  return splitTop(expr, 'AND').some((term) => {
    if (isTenantFilter(term, column, fn)) return true;
    if (!allowNull) return false;
    const alts = splitTop(term, 'OR');
    return alts.length === 2 && alts.some((a) => a === `${column} IS NULL`) && alts.some((a) => isTenantFilter(a, column, fn));
  });
}

/**
 * The expressions PostgreSQL applies for a policy and a command: USING decides which
 * existing rows are seen (SELECT, UPDATE, DELETE); WITH CHECK which new rows may be written
 * (INSERT, UPDATE), and defaults to USING when absent (for ALL and UPDATE policies).
 */
export function policyExpressions(p: { command: string; using: string | null; withCheck: string | null }, cmd: Command): { clause: 'USING' | 'WITH CHECK'; expr: string | null }[] {
  if (p.command !== 'all' && p.command !== cmd) return [];
  const check = p.withCheck ?? p.using;
  switch (cmd) {
    case 'select':
    case 'delete':
      return [{ clause: 'USING', expr: p.using }];
    case 'insert':
      return [{ clause: 'WITH CHECK', expr: check }];
    case 'update':
      return [
        { clause: 'USING', expr: p.using },
        { clause: 'WITH CHECK', expr: check },
      ];
  }
}
