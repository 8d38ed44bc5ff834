import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';

export default defineCheck({
  id: 'role_not_privileged',
  kind: 'structure',
  description: 'The role is neither SUPERUSER nor BYPASSRLS (nor a member of such a role) and, optionally, owns no table, so row-level security and the audit triggers bind it.',
  collectors: ['schema'],
  params: z.object({
    /** @example "trust_app" */
    role: z.string(),
    /** Also require that it owns no table (an owner can disable triggers and RLS). */
    ownsNoTables: z.boolean().default(true),
  }).strict(),
  evaluate(facts, { role, ownsNoTables }) {
    const schema = schemaOf(facts);
    const r = schema.roles.find((x) => x.name === role);
    if (!r) return [fail(`Role \`${role}\` does not exist.`, { resource: `role:${role}` })];
    const out: Finding[] = [];
    const privileged = (name: string) => schema.roles.find((x) => x.name === name && (x.superuser || x.bypassRls));
    const via = r.memberOf.map(privileged).find(Boolean);
    if (r.superuser || r.bypassRls) out.push(fail(`Role \`${role}\` has ${[r.superuser && 'SUPERUSER', r.bypassRls && 'BYPASSRLS'].filter(Boolean).join(' and ')}.`, { resource: `role:${role}` }, `superuser=${r.superuser} bypassrls=${r.bypassRls}`));
    else if (via) out.push(fail(`Role \`${role}\` is a member of privileged role \`${via.name}\`.`, { resource: `role:${role}` }, `member of ${via.name}`));
    else out.push(pass(`Role \`${role}\` is neither SUPERUSER nor BYPASSRLS.`, { resource: `role:${role}` }, 'superuser=false bypassrls=false'));
    if (ownsNoTables) {
      const owned = schema.tables.filter((t) => t.owner === role);
      out.push(owned.length
        ? fail(`Role \`${role}\` owns ${owned.length} table(s), e.g. \`${qualified(owned[0])}\`.`, { resource: `table:${qualified(owned[0])}` })
        : pass(`Role \`${role}\` owns no table.`, { resource: `role:${role}` }));
    }
    return out;
  },
});
