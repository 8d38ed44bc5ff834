/**
 * Generic (trust inspect): a table that enables row-level security also forces it,
 * otherwise its owner (often the role the application connects as) bypasses the policies.
 */
import { z } from 'zod';
import { defineCheck } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { isTable, qualified } from './schema-helpers.ts';

export default defineCheck({
  id: 'rls_forced_where_enabled',
  description: 'Every table that enables row-level security also forces it: without FORCE the table owner (often the role the application connects as) bypasses every policy.',
  kind: 'structure',
  collectors: ['schema'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const schema = schemaOf(facts);
    const bad = schema.tables.filter((t) => isTable(t) && t.rls.enabled && !t.rls.forced);
    if (!bad.length) return [pass(`Every table of \`${schema.database}\` that enables row-level security forces it.`, { resource: `database:${schema.database}` })];
    return bad.map((t) => fail(`Table \`${qualified(t)}\` enables row-level security without FORCE, so its owner \`${t.owner}\` bypasses the policies.`, { resource: `table:${qualified(t)}` }));
  },
});
