/**
 * One control's checks on a real database, running only the collectors those checks read:
 * how every break test sees a control fail after breaking its promise. The whole audit chain
 * is verified unless `auditVerification` says incremental.
 */
import { expect } from 'vitest';
import { runCollectors } from '../../collectors/run.ts';
import { findCheck } from '../../controls/checks/registry.ts';
import { runCheck, type CheckResult } from '../../controls/checks/types.ts';
import type { Catalog, Control } from '../../controls/types.ts';
import type { FactSet } from '../../collectors/types.ts';
import type { Database } from '../../platform/db/index.ts';

export async function evaluateControlOn(db: Database, control: string, opts: { root: string; catalog: Catalog; auditVerification?: 'incremental' | 'full' }): Promise<CheckResult[]> {
  const ctl = opts.catalog.controls.find((c) => c.id === control)!;
  const only = [...new Set(ctl.checks.flatMap((r) => findCheck(r.check)!.collectors))];
  const { parts } = await runCollectors(db, { root: opts.root, now: new Date(), catalog: opts.catalog, auditVerification: opts.auditVerification ?? 'full', only });
  const facts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.facts]));
  return ctl.checks.map((r) => runCheck(findCheck(r.check)!, facts, r.params));
}

/** Each check of `control` that does not pass on `facts`, as `control / check: reason [resource] | ...`, so that one assertion shows them all. */
export function failingChecks(control: Control, facts: FactSet): string[] {
  const failures: string[] = [];
  for (const ref of control.checks) {
    const r = runCheck(findCheck(ref.check)!, facts, ref.params);
    if (r.status !== 'pass')
      failures.push(
        `${control.id} / ${ref.check}: ${r.findings
          .filter((x) => x.status !== 'pass')
          .map((x) => `${x.reason} [${x.origin.resource}]`)
          .join(' | ')}`,
      );
  }
  return failures;
}

/** The break took: some check of `control` fails, and a failing finding names `origin` (one ending in `=`: starts with it). */
export function expectFailsAt(control: string, results: CheckResult[], origin: string): void {
  const failing = results.flatMap((r) => r.findings.filter((f) => f.status === 'fail'));
  expect(
    results.some((r) => r.status === 'fail'),
    `${control} still passes`,
  ).toBe(true);
  const origins = failing.map((f) => f.origin.resource);
  expect(
    origins.some((o) => (origin.endsWith('=') ? o.startsWith(origin) : o === origin)),
    `origins: ${origins.join(', ')}`,
  ).toBe(true);
}
