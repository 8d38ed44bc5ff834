/**
 * One control's checks on a real database, running only the collectors those checks read:
 * how every break test sees a control fail after breaking its promise.
 */
import { runCollectors } from '../../collectors/run.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { runCheck, type CheckResult } from '../../controls/checks/types.ts';
import type { Catalog } from '../../controls/types.ts';
import type { Database } from '../../platform/db/index.ts';

export async function evaluateControlOn(db: Database, control: string, opts: { root: string; catalog: Catalog; auditVerification: 'incremental' | 'full' }): Promise<CheckResult[]> {
  const ctl = opts.catalog.controls.find((c) => c.id === control)!;
  const only = [...new Set(ctl.checks.flatMap((r) => findCheck(r.check)!.collectors))];
  const { parts } = await runCollectors(db, { root: opts.root, now: new Date(), catalog: opts.catalog, auditVerification: opts.auditVerification, only });
  const facts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.facts]));
  return ctl.checks.map((r) => runCheck(findCheck(r.check)!, facts, r.params));
}
