import { z } from 'zod';
import { defineCheck } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, sameSet, schemaOf, tableOrFail } from './helpers.ts';

export default defineCheck({
  id: 'exclusion_constraint',
  kind: 'structure',
  description: 'The table has an exclusion constraint over exactly these columns, so the database refuses overlapping rows.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "agent_state_periods" */
      table: z.string(),
      /** @example ["agent_id", "period"] */
      columns: z.array(z.string()).min(1),
    })
    .strict(),
  evaluate(facts, { table, columns }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const c = t.constraints.find((x) => x.kind === 'exclusion' && sameSet(x.columns, columns));
    return [
      c
        ? pass(`Table \`${qualified(t)}\` has exclusion constraint \`${c.name}\`: ${c.definition}.`, { resource: `constraint:${qualified(t)}.${c.name}` }, c.definition)
        : fail(
            `Table \`${qualified(t)}\` has no exclusion constraint over (${columns.join(', ')}).`,
            { resource: `table:${qualified(t)}` },
            t.constraints
              .filter((x) => x.kind === 'exclusion')
              .map((x) => x.name)
              .join(', ') || 'no exclusion constraint',
          ),
    ];
  },
});
