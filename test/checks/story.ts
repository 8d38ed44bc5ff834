/**
 * The story every check test tells, in the form splinter uses for its lints: the check
 * passes on clean facts, fails once they are broken (naming the origin), and passes again
 * once they are fixed. Checks read only facts, so these are fast unit tests over the
 * fixtures beside this file (no database).
 *
 * One file per registered check, named after its id (`test/checks/<id>.test.ts`);
 * test/controls/check-tests.test.ts keeps the set of files equal to the registry's ids.
 */
import { expect, it } from 'vitest';
import { runCheck, type CheckDefinition, type CheckResult } from '../../controls/checks/types.ts';
import type { FactSet } from '../../collectors/types.ts';

export const failing = (r: CheckResult) => r.findings.filter((f) => f.status === 'fail');

/** True when the statuses show a pass, later a fail, later a pass: clean, broken, fixed. */
export function toldStory(statuses: readonly CheckResult['status'][]): boolean {
  const clean = statuses.indexOf('pass');
  const broken = clean < 0 ? -1 : statuses.indexOf('fail', clean + 1);
  return broken >= 0 && statuses.indexOf('pass', broken + 1) > broken;
}

export interface CheckUnderTest {
  def: CheckDefinition;
  /** Runs the check on `facts`; inside a story, records the result's status. */
  run(facts: FactSet, params?: Record<string, unknown>): CheckResult;
  /** A test that must show clean, broken, fixed: its runs must pass, then fail, then pass. */
  story(title: string, body: () => void): void;
}

/**
 * The check under test (its module's default export, imported directly: loading the whole
 * registry in each of these files would cost more than the tests), with its story runner.
 */
export function checkOf(def: CheckDefinition): CheckUnderTest {
  const id = def.id;
  let seen: CheckResult['status'][] | null = null;
  const run = (facts: FactSet, params: Record<string, unknown> = {}): CheckResult => {
    const r = runCheck(def, facts, params);
    seen?.push(r.status);
    return r;
  };
  const story = (title: string, body: () => void): void => {
    it(title, () => {
      const statuses: CheckResult['status'][] = [];
      seen = statuses;
      try {
        body();
      } finally {
        seen = null;
      }
      expect(toldStory(statuses), `${id}: a story runs clean (pass), broken (fail), fixed (pass); it ran ${statuses.join(' → ') || 'nothing'}`).toBe(true);
    });
  };
  return { def, run, story };
}
