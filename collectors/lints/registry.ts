/** Every inspect lint, listed explicitly. */
import type { Lint, LintFinding } from './types.ts';
import type { SchemaFacts } from '../schema.ts';
import { byKey } from '../sort.ts';
import tenantTableWithoutRls from './tenant-table-without-rls.ts';
import rlsNotForced from './rls-not-forced.ts';
import plaintextSecretColumn from './plaintext-secret-column.ts';
import mutableAuditTable from './mutable-audit-table.ts';
import securityDefinerSearchPath from './security-definer-search-path.ts';
import privilegedLoginRole from './privileged-login-role.ts';
import tableWithoutPrimaryKey from './table-without-primary-key.ts';

export const LINTS: Lint[] = [
  mutableAuditTable,
  plaintextSecretColumn,
  privilegedLoginRole,
  rlsNotForced,
  securityDefinerSearchPath,
  tableWithoutPrimaryKey,
  tenantTableWithoutRls,
];

/** Runs every lint; findings sorted by lint, then resource. */
export function runLints(facts: SchemaFacts, lints: Lint[] = LINTS): LintFinding[] {
  return lints.flatMap((l) => l.run(facts)).sort(byKey((f) => `${f.lint}\u0000${f.resource}`));
}
