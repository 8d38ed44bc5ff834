import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, qname, schemaOf, tableOrFail } from './helpers.ts';

export default defineCheck({
  id: 'no_foreign_key',
  kind: 'structure',
  description: 'The table has no foreign key to the listed tables, so deleting those rows can neither cascade into it nor be blocked by it.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "audit_events" */
      table: z.string(),
      /** @example ["agents", "vms", "accounts"] */
      references: z.array(z.string()).min(1),
    })
    .strict(),
  evaluate(facts, { table, references }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const targets = references.map(qname);
    const bad = t.constraints.filter((c) => c.kind === 'foreign_key' && targets.includes(c.references!.table));
    if (bad.length) {
      return bad.map((c): Finding =>
        fail(
          `Foreign key \`${c.name}\` ties \`${qualified(t)}\` to \`${c.references!.table}\` (ON DELETE ${c.references!.onDelete}).`,
          { resource: `constraint:${qualified(t)}.${c.name}` },
          c.definition,
        ),
      );
    }
    return [pass(`Table \`${qualified(t)}\` has no foreign key to ${targets.map((x) => `\`${x}\``).join(', ')}.`, { resource: `table:${qualified(t)}` })];
  },
});
