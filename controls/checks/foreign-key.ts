import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, qname, sameSet, schemaOf, tableOrFail } from './helpers.ts';
import { notValidated } from './effective.ts';

export default defineCheck({
  id: 'foreign_key',
  kind: 'structure',
  description: 'The columns reference the other table by a validated foreign key (not NOT VALID) with the expected ON DELETE action and, optionally, are NOT NULL.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "agent_secrets" */
      table: z.string(),
      /** @example ["agent_id"] */
      columns: z.array(z.string()).min(1),
      /** @example "agents" */
      references: z.string(),
      onDelete: z.enum(['no_action', 'restrict', 'cascade', 'set_null', 'set_default']).optional(),
      notNull: z.boolean().default(false),
    })
    .strict(),
  evaluate(facts, { table, columns, references, onDelete, notNull }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const fk = t.constraints.find((c) => c.kind === 'foreign_key' && c.references?.table === qname(references) && sameSet(c.columns, columns));
    const out: Finding[] = [];
    if (!fk) out.push(fail(`No foreign key from \`${qualified(t)}\` (${columns.join(', ')}) to \`${qname(references)}\`.`, { resource: `table:${qualified(t)}` }));
    else if (onDelete && fk.references!.onDelete !== onDelete)
      out.push(
        fail(`Foreign key \`${fk.name}\` on \`${qualified(t)}\` is ON DELETE ${fk.references!.onDelete}, not ${onDelete}.`, { resource: `constraint:${qualified(t)}.${fk.name}` }, fk.definition),
      );
    // NOT VALID: existing rows were never checked, so some may point nowhere.
    else if (notValidated(fk))
      out.push(
        fail(
          `Foreign key \`${fk.name}\` on \`${qualified(t)}\` is NOT VALID: rows written before it was added were never checked against it.`,
          { resource: `constraint:${qualified(t)}.${fk.name}` },
          fk.definition,
        ),
      );
    else out.push(pass(`Foreign key \`${fk.name}\`: ${fk.definition}.`, { resource: `constraint:${qualified(t)}.${fk.name}` }, fk.definition));
    if (notNull) {
      for (const name of columns) {
        const c = t.columns.find((x) => x.name === name);
        out.push(
          c?.notNull
            ? pass(`Column \`${qualified(t)}.${name}\` is NOT NULL.`, { resource: `column:${qualified(t)}.${name}` })
            : fail(`Column \`${qualified(t)}.${name}\` accepts NULL.`, { resource: `column:${qualified(t)}.${name}` }),
        );
      }
    }
    return out;
  },
});
