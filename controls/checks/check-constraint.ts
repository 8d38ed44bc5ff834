import { z } from 'zod';
import { defineCheck } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf, tableOrFail } from './helpers.ts';
import { notValidated } from './effective.ts';

export default defineCheck({
  id: 'check_constraint',
  kind: 'structure',
  description:
    'A CHECK constraint on the column exists (by name, when given) and its definition contains the expected text, validated (not NOT VALID, so the rows already there obey it too), so the database refuses other values.',
  collectors: ['schema'],
  params: z
    .object({
      /** @example "users" */
      table: z.string(),
      /** @example "password_hash" */
      column: z.string(),
      /** Constraint name, when it matters. @example "users_password_bcrypt_cost_12" */
      constraint: z.string().optional(),
      /** Text the definition must contain (exact substring of pg_get_constraintdef). @example "(1[2-9]|[23][0-9])" */
      contains: z.array(z.string()).default([]),
    })
    .strict(),
  evaluate(facts, { table, column, constraint, contains }) {
    const found = tableOrFail(schemaOf(facts), table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const candidates = t.constraints.filter((c) => c.kind === 'check' && c.columns.includes(column) && (!constraint || c.name === constraint));
    const ok = candidates.find((c) => contains.every((s) => c.definition.includes(s)));
    // NOT VALID: the rows already there were never checked, so the constraint proves nothing about them.
    if (ok && notValidated(ok))
      return [
        fail(
          `CHECK \`${ok.name}\` on \`${qualified(t)}\` is NOT VALID: rows written before it was added were never checked against it.`,
          { resource: `constraint:${qualified(t)}.${ok.name}` },
          ok.definition,
        ),
      ];
    if (ok) return [pass(`Column \`${qualified(t)}.${column}\` is constrained by CHECK \`${ok.name}\`: ${ok.definition}.`, { resource: `constraint:${qualified(t)}.${ok.name}` }, ok.definition)];
    if (candidates.length) {
      return [
        fail(
          `CHECK \`${candidates[0].name}\` on \`${qualified(t)}.${column}\` does not contain ${contains.map((s) => `\`${s}\``).join(', ')}.`,
          { resource: `constraint:${qualified(t)}.${candidates[0].name}` },
          candidates[0].definition,
        ),
      ];
    }
    return [fail(`Column \`${qualified(t)}.${column}\` has no CHECK constraint${constraint ? ` named \`${constraint}\`` : ''}.`, { resource: `column:${qualified(t)}.${column}` })];
  },
});
