/**
 * Generic (trust inspect): every table has a primary key, without which a single row
 * cannot be referenced reliably, replicated logically or audited.
 */
import { z } from 'zod';
import { defineCheck } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { isTable, qualified } from './schema-helpers.ts';

export default defineCheck({
  id: 'tables_have_primary_key',
  description: 'Every table has a primary key: without one a row cannot be referenced reliably, replicated logically, or audited on its own.',
  kind: 'structure',
  scope: ['table'],
  collectors: ['schema'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const schema = schemaOf(facts);
    const bad = schema.tables.filter((t) => isTable(t) && !t.isPartition && !t.constraints.some((c) => c.kind === 'primary_key'));
    if (!bad.length) return [pass(`Every table of \`${schema.database}\` has a primary key.`, { resource: `database:${schema.database}` })];
    return bad.map((t) => fail(`Table \`${qualified(t)}\` has no primary key.`, { resource: `table:${qualified(t)}` }));
  },
});
