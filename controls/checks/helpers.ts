/** Small helpers shared by checks: typed access to a collector's facts and finding builders. */
import type { FactSet } from '../../collectors/types.ts';
import type { Finding, Origin } from './types.ts';
import { findTable } from './schema-helpers.ts';
import type { SchemaFacts, TableFacts } from '../../collectors/schema.ts';

/** The facts of one collector; runCheck turns a missing part into an `error` before we get here. */
export function factsOf<T>(facts: FactSet, collector: string): T {
  const f = facts[collector];
  if (f === undefined || f === null) throw new Error(`facts from collector ${collector} are missing`);
  return f as T;
}

export const pass = (reason: string, origin: Origin, observed?: string): Finding => ({ status: 'pass', reason, origin, ...(observed ? { observed } : {}) });
export const fail = (reason: string, origin: Origin, observed?: string): Finding => ({ status: 'fail', reason, origin, ...(observed ? { observed } : {}) });

/** Qualifies `name` with `public.` when no schema is given. */
export function qname(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

/** Looks a table up; when it is absent returns a failing finding instead. */
export function tableOrFail(schema: SchemaFacts, name: string): { table: TableFacts } | { missing: Finding } {
  const t = findTable(schema, qname(name));
  if (t) return { table: t };
  return { missing: fail(`Table \`${qname(name)}\` does not exist.`, { resource: `table:${qname(name)}` }) };
}

export const schemaOf = (facts: FactSet) => factsOf<SchemaFacts>(facts, 'schema');

/** Column list of an index from its definition: `CREATE UNIQUE INDEX x ON t USING btree (a, b) WHERE ...`. */
export function indexColumns(definition: string): string[] {
  const m = /USING \w+ \((.*?)\)(?: INCLUDE| WHERE|$)/.exec(definition);
  return m ? m[1].split(',').map((s) => s.trim().replace(/^"|"$/g, '')) : [];
}

export function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}
