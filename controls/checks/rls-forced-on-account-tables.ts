import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { findFunction, qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { COMMANDS, filtersOnTenant, policyExpressions, type Command } from './effective.ts';
import type { TableFacts } from '../../collectors/schema.ts';

type Policy = TableFacts['policies'][number];

/*
 * Row-level security is judged as PostgreSQL applies it, per command and per clause:
 * - permissive policies are OR-ed, so for a command every permissive policy that applies
 *   must keep rows to the transaction's accounts: one `USING (true)` opens the table to all;
 * - restrictive policies are AND-ed, so one that filters on the account for the command and
 *   the same roles closes what a permissive one left open;
 * - USING decides which existing rows SELECT, UPDATE and DELETE reach; WITH CHECK (USING when
 *   absent) which rows INSERT and UPDATE may write. A policy whose USING was rewritten to
 *   `true` while its WITH CHECK still filters leaks every row to SELECT.
 * No permissive policy for a command means the command reaches no row: that isolates too.
 */
export default defineCheck({
  id: 'rls_forced_on_account_tables',
  kind: 'structure',
  scope: ['table'],
  description:
    'Every table holding the tenant column has row-level security enabled and forced (so the owner is bound too), and for SELECT, INSERT, UPDATE and DELETE every permissive policy that applies keeps rows to the accounts of the transaction (USING and WITH CHECK judged separately), through a function that reads the tenant setting.',
  collectors: ['schema'],
  params: z
    .object({
      /** Tenant column. @example "account_id" */
      column: z.string().default('account_id'),
      /** Schema to look in. */
      schema: z.string().default('public'),
      /** The function call that yields the transaction's accounts. @example "current_account_ids()" */
      policyUses: z.string().default('current_account_ids()'),
      /** The setting that function must read. @example "trust.account_ids" */
      setting: z.string().default('trust.account_ids'),
      /** Roles whose own policies may ignore the account (each needs a reason in the control file). @example ["trust_reader"] */
      exemptRoles: z.array(z.string()).default([]),
      /** Policies that deliberately do not filter on the account, pinned to their exact expressions (pg_get_expr), each with its reason. */
      allowedPolicies: z
        .array(
          z
            .object({
              table: z.string(),
              policy: z.string(),
              using: z.string().nullable(),
              withCheck: z.string().nullable().default(null),
              reason: z.string().min(10),
            })
            .strict(),
        )
        .default([]),
    })
    .strict(),
  evaluate(facts, { column, schema: ns, policyUses, setting, exemptRoles, allowedPolicies }) {
    const schema = schemaOf(facts);
    const out: Finding[] = [];
    // The policies call a function; the function must read the tenant setting, or a
    // rewritten function (returning every account) would open every table at once.
    const fnName = `${ns}.${policyUses.replace(/\(.*$/, '')}`;
    const fns = findFunction(schema, fnName);
    const settingRe = new RegExp(`current_setting\\(\\s*'${setting.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`);
    if (!fns.length) out.push(fail(`Function \`${fnName}\` that the policies call does not exist.`, { resource: `function:${fnName}` }));
    else if (!fns.every((f) => f.source !== null && settingRe.test(f.source))) {
      out.push(
        fail(
          `Function \`${fnName}\` does not read the setting \`${setting}\`, so the policies that call it do not keep rows to the transaction's accounts.`,
          { resource: `function:${fnName}` },
          (fns[0].source ?? '').slice(0, 200),
        ),
      );
    }
    const tables = schema.tables.filter((t) => t.schema === ns && (t.kind === 'table' || t.kind === 'partitioned_table') && t.columns.some((c) => c.name === column));
    if (!tables.length) return [...out, fail(`No table in schema \`${ns}\` has a \`${column}\` column, so nothing is isolated.`, { resource: `schema:${ns}` })];
    const exempt = (p: Policy) => p.roles.length > 0 && p.roles.every((r) => r !== 'PUBLIC' && exemptRoles.includes(r));
    const allowed = (t: TableFacts, p: Policy) =>
      allowedPolicies.some((a) => a.table.replace(/^(?!.*\.)/, `${ns}.`) === qualified(t) && a.policy === p.name && a.using === p.using && a.withCheck === p.withCheck);
    // A restrictive policy that filters for `cmd` covers permissive policy `p` when it applies to every role `p` does.
    const closedBy = (t: TableFacts, p: Policy, cmd: Command, clause: string) =>
      t.policies.find(
        (r) =>
          !r.permissive &&
          (r.roles.includes('PUBLIC') || (!p.roles.includes('PUBLIC') && p.roles.every((x) => r.roles.includes(x)))) &&
          policyExpressions(r, cmd).some((e) => e.clause === clause && filtersOnTenant(e.expr, column, policyUses, clause === 'WITH CHECK')),
      );
    for (const t of tables) {
      const resource = { resource: `table:${qualified(t)}` };
      if (!t.rls.enabled) {
        out.push(fail(`Table \`${qualified(t)}\` holds \`${column}\` but row-level security is disabled.`, resource, 'relrowsecurity=false'));
        continue;
      }
      if (!t.rls.forced) {
        out.push(fail(`Table \`${qualified(t)}\` enables row-level security without FORCE, so its owner \`${t.owner}\` bypasses the policies.`, resource, 'relforcerowsecurity=false'));
        continue;
      }
      // Leaks per policy and clause, with the commands they open.
      const leaks = new Map<string, { p: Policy; clause: string; expr: string | null; cmds: Command[] }>();
      let filtering: Policy | undefined;
      for (const cmd of COMMANDS) {
        for (const p of t.policies.filter((x) => x.permissive && !exempt(x))) {
          for (const { clause, expr } of policyExpressions(p, cmd)) {
            if (filtersOnTenant(expr, column, policyUses, clause === 'WITH CHECK')) {
              filtering ??= p;
              continue;
            }
            if (allowed(t, p) || closedBy(t, p, cmd, clause)) continue;
            const key = `${p.name}\u0000${clause}`;
            const leak = leaks.get(key) ?? { p, clause, expr, cmds: [] };
            leak.cmds.push(cmd);
            leaks.set(key, leak);
          }
        }
      }
      for (const { p, clause, expr, cmds } of leaks.values()) {
        const verbs = cmds.map((c) => c.toUpperCase()).join(', ');
        const effect = clause === 'USING' ? `${verbs} reach${cmds.length === 1 ? 'es' : ''} every account's rows` : `${verbs} may write rows into any account`;
        out.push(
          fail(
            `Policy \`${p.name}\` on \`${qualified(t)}\` is permissive for ${p.roles.join(', ')} and its ${clause} (\`${expr ?? 'none'}\`) does not filter on \`${policyUses}\`, so ${effect}.`,
            { resource: `policy:${qualified(t)}.${p.name}` },
            `${clause} ${expr ?? 'none'}`,
          ),
        );
      }
      if (!filtering) {
        out.push(fail(`Table \`${qualified(t)}\` has no policy using \`${policyUses}\`.`, resource, `policies: ${t.policies.map((p) => p.name).join(', ') || 'none'}`));
      } else if (!leaks.size) {
        out.push(
          pass(`Table \`${qualified(t)}\` forces row-level security; for SELECT, INSERT, UPDATE and DELETE every permissive policy keeps rows to \`${policyUses}\` (policy \`${filtering.name}\`).`, {
            resource: `policy:${qualified(t)}.${filtering.name}`,
          }),
        );
      }
    }
    return out;
  },
});
