/**
 * Generic (trust inspect): a table with a tenant column enables row-level security, so a
 * query the application gets wrong cannot hand one tenant another's rows.
 */
import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { isTable, qualified, snakeCase } from './schema-helpers.ts';

/** Column names that say "this row belongs to a tenant". */
export const TENANT_COLUMNS = ['account_id', 'tenant_id', 'org_id', 'organization_id', 'organisation_id', 'workspace_id', 'team_id', 'customer_id', 'user_id'];

export default defineCheck({
  id: 'tenant_tables_have_rls',
  description:
    "Every table with a tenant column (account_id, tenant_id, org_id, workspace_id, user_id...) enables row-level security: otherwise one tenant can read another's rows through any query the application gets wrong.",
  kind: 'structure',
  scope: ['table'],
  collectors: ['schema'],
  params: z.object({ tenantColumns: z.array(z.string()).default(TENANT_COLUMNS).describe("Column names (snake_case) that mark a row as a tenant's") }).strict(),
  evaluate(facts, params) {
    const schema = schemaOf(facts);
    const findings: Finding[] = schema.tables
      .filter((t) => isTable(t) && !t.isPartition && !t.rls.enabled)
      .flatMap((t) => {
        const col = t.columns.find((c) => params.tenantColumns.includes(snakeCase(c.name)));
        return col ? [fail(`Table \`${qualified(t)}\` has tenant column \`${col.name}\` but row-level security is not enabled.`, { resource: `table:${qualified(t)}` })] : [];
      });
    return findings.length ? findings : [pass(`Every table of \`${schema.database}\` with a tenant column enables row-level security.`, { resource: `database:${schema.database}` })];
  },
});
