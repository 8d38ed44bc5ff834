import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';

export default defineCheck({
  id: 'rls_forced_on_account_tables',
  kind: 'structure',
  description: 'Every table holding the tenant column has row-level security enabled and forced (so the owner is bound too) and a policy that filters on the accounts of the transaction.',
  collectors: ['schema'],
  params: z.object({
    /** Tenant column. @example "account_id" */
    column: z.string().default('account_id'),
    /** Schema to look in. */
    schema: z.string().default('public'),
    /** A policy on each table must mention this expression. @example "current_account_ids()" */
    policyUses: z.string().default('current_account_ids()'),
  }).strict(),
  evaluate(facts, { column, schema: ns, policyUses }) {
    const schema = schemaOf(facts);
    const tables = schema.tables.filter((t) => t.schema === ns && (t.kind === 'table' || t.kind === 'partitioned_table') && t.columns.some((c) => c.name === column));
    if (!tables.length) return [fail(`No table in schema \`${ns}\` has a \`${column}\` column, so nothing is isolated.`, { resource: `schema:${ns}` })];
    return tables.map((t): Finding => {
      const resource = { resource: `table:${qualified(t)}` };
      if (!t.rls.enabled) return fail(`Table \`${qualified(t)}\` holds \`${column}\` but row-level security is disabled.`, resource, 'relrowsecurity=false');
      if (!t.rls.forced) return fail(`Table \`${qualified(t)}\` enables row-level security without FORCE, so its owner \`${t.owner}\` bypasses the policies.`, resource, 'relforcerowsecurity=false');
      const policy = t.policies.find((p) => `${p.using ?? ''} ${p.withCheck ?? ''}`.includes(policyUses));
      if (!policy) return fail(`Table \`${qualified(t)}\` has no policy using \`${policyUses}\`.`, resource, `policies: ${t.policies.map((p) => p.name).join(', ') || 'none'}`);
      return pass(`Table \`${qualified(t)}\` forces row-level security; policy \`${policy.name}\` filters on \`${policyUses}\`.`, { resource: `policy:${qualified(t)}.${policy.name}` });
    });
  },
});
