/**
 * Generic lints for any PostgreSQL database (`trust inspect`). Like splinter's lints,
 * every lint returns the same shape, so all findings can be listed together.
 */
import type { SchemaFacts } from '../schema.ts';

export interface LintFinding {
  /** Lint id, snake_case. */
  lint: string;
  /** The object: `table:public.users`, `column:public.users.api_token`, `role:admin`, `function:public.f(integer)`. */
  resource: string;
  /** One sentence naming the object and what is wrong. */
  reason: string;
}

export interface Lint {
  id: string;
  /** What the lint looks for and why it matters. */
  description: string;
  run(facts: SchemaFacts): LintFinding[];
}

export function defineLint(l: Lint): Lint {
  return l;
}

export function isTable(t: { kind: string }): boolean {
  return t.kind === 'table' || t.kind === 'partitioned_table';
}
