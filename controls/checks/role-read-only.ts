import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { accessOf, roleDrift } from './effective.ts';

// What reading needs: SELECT on tables and views, SELECT on sequences (currval is not asked for).
const READS = new Set(['SELECT']);

export default defineCheck({
  id: 'role_read_only',
  kind: 'structure',
  description:
    'The role effectively holds nothing but SELECT on every relation (has_table_privilege semantics: PUBLIC, memberships, column grants, ownership), no default privilege gives it more on future tables, it cannot CREATE in a schema, owns nothing and has no privileged attribute or membership beyond its allow-list.',
  collectors: ['schema', 'access'],
  params: z
    .object({
      /** @example "trust_reader" */
      role: z.string(),
      /** Role memberships it may hold. @example ["pg_read_all_settings", "pg_read_all_stats"] */
      allowMemberships: z.array(z.string()).default([]),
    })
    .strict(),
  evaluate(facts, { role, allowMemberships }) {
    const schema = schemaOf(facts);
    const access = accessOf(facts);
    const r = access.roles.find((x) => x.name === role);
    if (!r) return [fail(`Role \`${role}\` does not exist.`, { resource: `role:${role}` })];
    const out: Finding[] = roleDrift(schema, r, { allowMemberships, ownsNoTables: true, schemaCreate: true, access });
    const held = access.relations.filter((x) => x.role === role);
    for (const x of held) {
      const more = x.privileges.filter((p) => !READS.has(p));
      if (more.length)
        out.push(
          fail(
            `Role \`${role}\` can ${more.join(', ')} on ${x.kind} \`${x.schema}.${x.name}\` (effective privilege).`,
            { resource: `${x.kind === 'sequence' ? 'sequence' : 'table'}:${x.schema}.${x.name}` },
            more.join(','),
          ),
        );
    }
    for (const d of access.defaultPrivileges.filter((x) => (x.grantee === role || x.grantee === 'PUBLIC') && !READS.has(x.privilege))) {
      out.push(
        fail(
          `Default privileges of \`${d.owner}\`${d.schema ? ` in schema \`${d.schema}\`` : ''} give ${d.grantee === 'PUBLIC' ? 'PUBLIC' : `\`${role}\``} ${d.privilege} on every table created later.`,
          { resource: `default_acl:${d.owner}${d.schema ? `.${d.schema}` : ''}` },
          `${d.grantee} ${d.privilege}`,
        ),
      );
    }
    if (!out.length) {
      const readable = held.filter((x) => x.privileges.includes('SELECT')).length;
      out.push(
        pass(
          `Role \`${role}\` effectively holds only SELECT (on ${readable} relations), owns nothing, cannot CREATE in any schema and has no privileged attribute or membership.`,
          { resource: `role:${role}` },
          `select on ${readable}`,
        ),
      );
    }
    return out;
  },
});
