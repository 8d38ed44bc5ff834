import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';

// Types that can hold free text or documents of any size.
const UNBOUNDED = /^(text|json|jsonb|bytea|xml|character varying|citext)$|\[\]$/;

/*
 * Types that cannot hold a body, a prompt or a card number written as text: numbers, booleans,
 * identifiers, times, network addresses, ranges of those. Everything else can, including
 * types we do not know (a domain or a composite may wrap text), so a column named like
 * content fails unless its type is one of these: the list errs on the side of failing.
 */
const NOT_TEXT =
  /^(smallint|integer|bigint|numeric(\(.*\))?|real|double precision|boolean|uuid|date|interval.*|time(stamp)?(\(\d\))? with(out)? time zone|inet|cidr|macaddr8?|money|oid|(int4|int8|num|ts|tstz|date)range|(int4|int8|num|ts|tstz|date)multirange)$/;

/**
 * Relations that store rows, so a column of theirs can hold content: tables, partitioned
 * tables, materialized views and foreign tables (not views, which store nothing).
 */
const STORES = new Set(['table', 'partitioned_table', 'materialized_view', 'foreign_table']);

export default defineCheck({
  id: 'no_content_columns',
  kind: 'structure',
  description:
    'No column of any table in the database (every schema the schema collector reads) is named like content (body, prompt, card number...) with a type that can hold it, except an allow-listed column with its reason; optionally, no column of the named tables could hold free text of unbounded size.',
  // Every table and every column of it, whatever the parameters.
  scope: ['table', 'column'],
  collectors: ['schema'],
  params: z
    .object({
      /** Regular expression over column names that would hold content. @example "body|prompt|response" */
      columnPattern: z.string(),
      /** A name match fails whatever the column's type (a card number fits in a bigint). Default: only types that can hold text. */
      anyType: z.boolean().default(false),
      /** Regular expression over `schema.table`: tables where any text/json/bytea column without a length limit fails too. @example "^public\\.(llm|voice)_usage_daily$" */
      unboundedTextIn: z.string().optional(),
      /** Columns (`schema.table.column`) that match the name pattern legitimately, each with the reason. */
      allow: z.array(z.object({ column: z.string(), reason: z.string().min(10) }).strict()).default([]),
    })
    .strict(),
  evaluate(facts, { columnPattern, anyType, unboundedTextIn, allow }) {
    const schema = schemaOf(facts);
    const cre = new RegExp(columnPattern, 'i');
    const ure = unboundedTextIn === undefined ? undefined : new RegExp(unboundedTextIn);
    const tables = schema.tables.filter((t) => STORES.has(t.kind));
    if (!tables.length) return [fail(`Database \`${schema.database}\` has no table, so nothing was judged.`, { resource: `schema:${schema.database}` })];
    const allowed = new Map(allow.map((a) => [a.column, a.reason]));
    const out: Finding[] = [];
    let judged = 0;
    let allowedHere = 0;
    for (const t of tables) {
      for (const c of t.columns) {
        judged++;
        const name = `${qualified(t)}.${c.name}`;
        const origin = { resource: `column:${name}` };
        const named = cre.test(c.name) && (anyType || !NOT_TEXT.test(c.type));
        if (named && allowed.has(name)) {
          allowedHere++;
          continue;
        }
        if (named) out.push(fail(`Column \`${name}\` (${c.type}) is named like content and its type can hold it.`, origin, c.type));
        else if (ure?.test(qualified(t)) && UNBOUNDED.test(c.type)) out.push(fail(`Column \`${name}\` is ${c.type}, wide enough to hold content.`, origin, c.type));
      }
    }
    // An allow-list entry that matches nothing is stale: say so rather than keep a silent exception.
    for (const [column] of allowed) {
      const [s, tb, col] = column.split('.');
      const t = tables.find((x) => x.schema === s && x.name === tb);
      if (!t?.columns.some((c) => c.name === col)) out.push(fail(`Allow-listed column \`${column}\` does not exist; remove it from the allow-list.`, { resource: `column:${column}` }));
    }
    if (!out.length) {
      out.push(
        pass(
          `No column of the ${tables.length} tables (${judged} columns) is named like content with a type that can hold it${allowedHere ? ` (${allowedHere} allow-listed)` : ''}${ure ? ', and the metered tables have no unbounded text column' : ''}.`,
          { resource: `schema:${schema.database}` },
          `${tables.length} tables, ${judged} columns`,
        ),
      );
    }
    return out;
  },
});
