import { defineLint, isTable } from './types.ts';
import { qualified } from '../schema.ts';

/** Column names that say "this row belongs to a tenant". */
export const TENANT_COLUMNS = ['account_id', 'tenant_id', 'org_id', 'organization_id', 'organisation_id', 'workspace_id', 'team_id', 'customer_id', 'user_id'];

/** `accountId` and `account_id` read alike. */
function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export default defineLint({
  id: 'tenant_table_without_rls',
  description: 'A table with a tenant column (account_id, tenant_id, org_id, workspace_id, user_id...) but row-level security disabled: one tenant can read another\'s rows through any query the application gets wrong.',
  run(facts) {
    return facts.tables
      .filter((t) => isTable(t) && !t.isPartition && !t.rls.enabled)
      .flatMap((t) => {
        const col = t.columns.find((c) => TENANT_COLUMNS.includes(snakeCase(c.name)));
        return col
          ? [{ lint: this.id, resource: `table:${qualified(t)}`, reason: `Table \`${qualified(t)}\` has tenant column \`${col.name}\` but row-level security is not enabled.` }]
          : [];
      });
  },
});
