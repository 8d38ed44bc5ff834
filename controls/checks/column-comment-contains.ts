import { z } from 'zod';
import { defineCheck } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf, tableOrFail } from './helpers.ts';

export default defineCheck({
  id: 'column_comment_contains',
  kind: 'structure',
  description: 'The column carries a database comment stating a decision (for example that a value is stored in plain text on purpose).',
  collectors: ['schema'],
  params: z.object({ table: z.string(), column: z.string(), /** @example "not a secret" */ text: z.string() }).strict(),
  evaluate(facts, { table, column, text }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const c = t.columns.find((x) => x.name === column);
    const resource = { resource: `column:${qualified(t)}.${column}` };
    if (!c) return [fail(`Column \`${qualified(t)}.${column}\` does not exist.`, resource)];
    return [
      c.comment?.toLowerCase().includes(text.toLowerCase())
        ? pass(`Column \`${qualified(t)}.${column}\` is documented in the database: "${c.comment}".`, resource, c.comment)
        : fail(`The comment on \`${qualified(t)}.${column}\` does not say "${text}".`, resource, c.comment ?? 'no comment'),
    ];
  },
});
