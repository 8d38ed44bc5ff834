import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';

// Types that can hold free text or documents of any size.
const UNBOUNDED = /^(text|json|jsonb|bytea|xml|character varying|citext)$|\[\]$/;

export default defineCheck({
  id: 'no_content_columns',
  kind: 'structure',
  description: 'No column of the matching tables is named like content (body, prompt, card number...) and, optionally, none could hold free text of unbounded size.',
  collectors: ['schema'],
  params: z.object({
    /** Regular expression over `schema.table`. @example "^public\\.(llm|voice)_usage_daily$" */
    tablePattern: z.string(),
    /** Regular expression over column names that would hold content. @example "body|prompt|response" */
    columnPattern: z.string(),
    /** Also refuse any text/json/bytea column without a length limit. */
    noUnboundedText: z.boolean().default(false),
  }).strict(),
  evaluate(facts, { tablePattern, columnPattern, noUnboundedText }) {
    const schema = schemaOf(facts);
    const tre = new RegExp(tablePattern);
    const cre = new RegExp(columnPattern, 'i');
    const tables = schema.tables.filter((t) => (t.kind === 'table' || t.kind === 'partitioned_table') && tre.test(qualified(t)));
    if (!tables.length) return [fail(`No table matches \`${tablePattern}\`.`, { resource: `schema:${schema.database}` })];
    const out: Finding[] = [];
    for (const t of tables) {
      const named = t.columns.filter((c) => cre.test(c.name));
      const unbounded = noUnboundedText ? t.columns.filter((c) => UNBOUNDED.test(c.type)) : [];
      for (const c of named) out.push(fail(`Column \`${qualified(t)}.${c.name}\` (${c.type}) is named like content.`, { resource: `column:${qualified(t)}.${c.name}` }, c.type));
      for (const c of unbounded.filter((u) => !named.includes(u))) out.push(fail(`Column \`${qualified(t)}.${c.name}\` is ${c.type}, wide enough to hold content.`, { resource: `column:${qualified(t)}.${c.name}` }, c.type));
      if (!named.length && !unbounded.length) {
        out.push(pass(`Table \`${qualified(t)}\` has no content column: ${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')}.`, { resource: `table:${qualified(t)}` }));
      }
    }
    return out;
  },
});
