import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf, tableOrFail } from './helpers.ts';

export default defineCheck({
  id: 'table_columns',
  kind: 'structure',
  description: 'The table exists with these columns, NOT NULL where required.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "admin_access_log" */
      table: z.string(),
      /** @example ["operator", "reason"] */
      columns: z.array(z.string()).min(1),
      /** Columns that must be NOT NULL. */
      notNull: z.array(z.string()).default([]),
    })
    .strict(),
  evaluate(facts, { table, columns, notNull }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const out: Finding[] = [];
    for (const name of [...new Set([...columns, ...notNull])]) {
      const c = t.columns.find((x) => x.name === name);
      const resource = { resource: `column:${qualified(t)}.${name}` };
      if (!c) out.push(fail(`Column \`${qualified(t)}.${name}\` does not exist.`, resource));
      else if (notNull.includes(name) && !c.notNull) out.push(fail(`Column \`${qualified(t)}.${name}\` accepts NULL.`, resource));
      else out.push(pass(`Column \`${qualified(t)}.${name}\` exists (${c.type}${c.notNull ? ', NOT NULL' : ''}).`, resource, c.type));
    }
    return out;
  },
});
