/**
 * Profiles: named lists of checks with the parameters to run them with, over any
 * database, without a catalog. `generic` is what `trust inspect` runs: the same check
 * modules, registry and Finding shape as the gate, with default parameters.
 */
import type { CheckDefinition } from './types.ts';
import auditTablesImmutable from './audit-tables-immutable.ts';
import definerFunctionsPinSearchPath from './definer-functions-pin-search-path.ts';
import loginRolesNotPrivileged from './login-roles-not-privileged.ts';
import rlsForcedWhereEnabled from './rls-forced-where-enabled.ts';
import secretsNotPlaintext from './secrets-not-plaintext.ts';
import tablesHavePrimaryKey from './tables-have-primary-key.ts';
import tenantTablesHaveRls from './tenant-tables-have-rls.ts';

export interface ProfileEntry {
  check: CheckDefinition;
  params: Record<string, unknown>;
}

export const GENERIC_PROFILE: ProfileEntry[] = [
  auditTablesImmutable,
  definerFunctionsPinSearchPath,
  loginRolesNotPrivileged,
  rlsForcedWhereEnabled,
  secretsNotPlaintext,
  tablesHavePrimaryKey,
  tenantTablesHaveRls,
].map((check) => ({ check, params: {} }));

/** Collector ids the profile needs, for the command that gathers its facts. */
export function profileCollectors(profile: ProfileEntry[]): string[] {
  return [...new Set(profile.flatMap((e) => e.check.collectors))].sort();
}
