import { z } from 'zod';
import { defineCheck } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, indexColumns, pass, sameSet, schemaOf, tableOrFail } from './helpers.ts';

export default defineCheck({
  id: 'unique_constraint',
  kind: 'structure',
  description: 'The columns are unique in the table, by a primary key, a unique constraint or a unique index (partial only when allowed).',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "agents" */
      table: z.string(),
      /** @example ["server_id"] */
      columns: z.array(z.string()).min(1),
      /** Accept a partial unique index (e.g. unique among live rows). */
      allowPartial: z.boolean().default(false),
    })
    .strict(),
  evaluate(facts, { table, columns, allowPartial }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const c = t.constraints.find((x) => (x.kind === 'unique' || x.kind === 'primary_key') && sameSet(x.columns, columns));
    if (c)
      return [
        pass(`Table \`${qualified(t)}\` keeps (${columns.join(', ')}) unique with ${c.kind.replace('_', ' ')} \`${c.name}\`.`, { resource: `constraint:${qualified(t)}.${c.name}` }, c.definition),
      ];
    const i = t.indexes.find((x) => x.unique && (allowPartial || !x.partial) && sameSet(indexColumns(x.definition), columns));
    if (i) return [pass(`Table \`${qualified(t)}\` keeps (${columns.join(', ')}) unique with index \`${i.name}\`.`, { resource: `index:${t.schema}.${i.name}` }, i.definition)];
    return [fail(`Nothing keeps (${columns.join(', ')}) unique in \`${qualified(t)}\`.`, { resource: `table:${qualified(t)}` })];
  },
});
