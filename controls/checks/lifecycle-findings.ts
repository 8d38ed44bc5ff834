/**
 * Shared by the lifecycle data checks: turn the lifecycle collector's problems (rows that
 * disagree with the chained events witnessing them) into findings that name the object
 * and the witness. Not a check itself (not in the registry).
 */
import type { FactSet } from '../../collectors/types.ts';
import type { LifecycleFacts, LifecycleProblem } from '../../collectors/lifecycle.ts';
import { z } from 'zod';
import { defineCheck, type Finding, type ScopeNoun } from './types.ts';
import { factsOf, fail } from './helpers.ts';

export const lifecycleOf = (facts: FactSet) => factsOf<LifecycleFacts>(facts, 'lifecycle');

/** `3f2a1b2c…`: enough of an id to read in a sentence; the origin carries all of it. */
export const short = (id: string | null) => (id && id.length > 12 ? `${id.slice(0, 8)}…` : (id ?? '?'));

/** "(seq 4812)" or "(no event)". */
export const seqText = (p: LifecycleProblem) => (p.seq === null ? 'no event' : `seq ${p.seq}`);

export const rowOrigin = (table: string, column: string, id: string) => ({ resource: `row:${table}.${column}=${id}` });

export interface FieldRule {
  /** The sentence for one problem. */
  reason(p: LifecycleProblem): string;
  /** Origin resource of one problem; defaults to `row:<table>.id=<id>`. */
  resource?(p: LifecycleProblem): string;
}

/**
 * Failing findings for every listed problem of the given fields (the collector lists the
 * first few per field), plus one per field saying how many more there are.
 */
export function problemFindings(f: LifecycleFacts, rules: Record<string, FieldRule>, filter: (p: LifecycleProblem) => boolean = () => true): Finding[] {
  const out: Finding[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const listed = f.problems.filter((p) => p.field === field && filter(p));
    for (const p of listed) {
      out.push(
        fail(
          rule.reason(p),
          { resource: rule.resource ? rule.resource(p) : `row:${p.table}.id=${p.id}` },
          `${field}: rows ${p.actual ?? '(none)'}; witness ${p.witness ?? '(none)'}${p.seq === null ? '' : ` (seq ${p.seq})`}`,
        ),
      );
    }
    const total = f.problemCounts.find((c) => c.field === field)?.count ?? 0;
    const all = f.problems.filter((p) => p.field === field).length;
    // Counts are per field; when a filter keeps only part of a field, the rest is not ours to report.
    if (total > all && listed.length === all && listed.length > 0) {
      out.push(fail(`${total - all} more problem(s) of the same kind (${field}) are not listed.`, { resource: `row:${listed[0].table}` }, `${field}: ${total} in all`));
    }
  }
  return out;
}

/**
 * A lifecycle data check with no parameters, as most are: a failing finding for each problem
 * of the fields its rules name, or, when the rows agree with their events everywhere, the one
 * passing finding `passing` writes from the collector's counts.
 */
export function defineLifecycleCheck(def: { id: string; description: string; scope?: ScopeNoun[]; rules: Record<string, FieldRule>; passing(f: LifecycleFacts): Finding }) {
  return defineCheck({
    id: def.id,
    kind: 'data',
    description: def.description,
    collectors: ['lifecycle'],
    ...(def.scope ? { scope: def.scope } : {}),
    params: z.object({}).strict(),
    evaluate(facts) {
      const f = lifecycleOf(facts);
      const out = problemFindings(f, def.rules);
      return out.length ? out : [def.passing(f)];
    },
  });
}
