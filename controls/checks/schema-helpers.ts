/**
 * Judgement over schema facts, shared by checks: lookups by name and "does this trigger
 * refuse the write". They live here, next to the checks, because deciding whether a
 * trigger blocks a write is a verdict; the schema collector only reports what the
 * catalogs say. Only fact *types* come from the collector.
 */
import type { FunctionFacts, SchemaFacts, TableFacts, TriggerFacts } from '../../collectors/schema.ts';

export function findTable(facts: SchemaFacts, name: string): TableFacts | undefined {
  const [schema, table] = name.includes('.') ? name.split('.', 2) : ['public', name];
  return facts.tables.find((t) => t.schema === schema && t.name === table);
}

export function qualified(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}

export function findFunction(facts: SchemaFacts, qualifiedName: string): FunctionFacts[] {
  const [schema, name] = qualifiedName.split('.', 2);
  return facts.functions.filter((f) => f.schema === schema && f.name === name);
}

/** Relations that hold rows of their own (not views): only these can be protected or leak. */
export function isTable(t: { kind: string }): boolean {
  return t.kind === 'table' || t.kind === 'partitioned_table';
}

/** `apiToken` and `api_token` read alike, so camelCase schemas are judged as snake_case ones. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Whether an enabled trigger on the table refuses `event` for every row: a BEFORE (or
 * INSTEAD OF) trigger, not conditional, not limited to some columns, whose function
 * raises an exception or returns NULL (which silently skips the row). Returns the trigger.
 */
export function blockingTrigger(facts: SchemaFacts, table: TableFacts, event: 'insert' | 'update' | 'delete' | 'truncate'): TriggerFacts | undefined {
  return table.triggers.find((t) => {
    // D: disabled; R: fires only in replica sessions, so ordinary sessions write freely.
    if (t.enabled === 'D' || t.enabled === 'R') return false;
    if (t.timing === 'after' || t.conditional || !t.events.includes(event)) return false;
    if (event === 'update' && t.updateColumns.length > 0) return false;
    return findFunction(facts, t.function).some((f) => functionRefuses(f.source));
  });
}

/** A PL/pgSQL or SQL trigger body that always stops the write. */
export function functionRefuses(source: string | null): boolean {
  if (!source) return false;
  const body = source.replace(/--[^\n]*/g, '');
  return /\braise\s+exception\b/i.test(body) || /\breturn\s+null\s*;/i.test(body);
}
