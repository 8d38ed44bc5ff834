import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { qualified } from './schema-helpers.ts';
import { fail, pass, schemaOf } from './helpers.ts';

export default defineCheck({
  id: 'role_read_only',
  kind: 'structure',
  description: 'The role holds only SELECT on every table and view, owns nothing and is neither SUPERUSER nor BYPASSRLS.',
  collectors: ['schema'],
  params: z.object({ /** @example "trust_reader" */ role: z.string() }).strict(),
  evaluate(facts, { role }) {
    const schema = schemaOf(facts);
    const r = schema.roles.find((x) => x.name === role);
    if (!r) return [fail(`Role \`${role}\` does not exist.`, { resource: `role:${role}` })];
    const out: Finding[] = [];
    if (r.superuser || r.bypassRls) out.push(fail(`Role \`${role}\` has SUPERUSER or BYPASSRLS.`, { resource: `role:${role}` }));
    const writes = schema.tables.flatMap((t) => t.grants.filter((g) => g.grantee === role && g.privilege !== 'SELECT').map((g) => ({ t, g })));
    for (const { t, g } of writes) out.push(fail(`Role \`${role}\` holds ${g.privilege} on \`${qualified(t)}\`.`, { resource: `table:${qualified(t)}` }, g.privilege));
    const owned = schema.tables.filter((t) => t.owner === role);
    for (const t of owned) out.push(fail(`Role \`${role}\` owns \`${qualified(t)}\`.`, { resource: `table:${qualified(t)}` }));
    if (!out.length) {
      const readable = schema.tables.filter((t) => t.grants.some((g) => g.grantee === role && g.privilege === 'SELECT')).length;
      out.push(pass(`Role \`${role}\` holds only SELECT (on ${readable} tables and views), owns nothing and has neither SUPERUSER nor BYPASSRLS.`, { resource: `role:${role}` }, `select on ${readable}`));
    }
    return out;
  },
});
