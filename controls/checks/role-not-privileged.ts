import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';
import { accessOf, roleDrift } from './effective.ts';

/*
 * The role is observed as it is: the gate no longer bootstraps roles (openGateDatabase), so an
 * `ALTER ROLE trust_app BYPASSRLS` done behind the platform's back is what the access collector
 * reads. Membership counts whether inherited or not: a member can SET ROLE to the group.
 */
export default defineCheck({
  id: 'role_not_privileged',
  kind: 'structure',
  description:
    'The role has none of SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB, REPLICATION, no login setting that turns triggers off, no role membership (direct or through other roles) beyond its allow-list, does not own the database, cannot CREATE in a schema and, optionally, owns no table (directly or through a membership), so row-level security and the guard triggers bind it.',
  collectors: ['schema', 'access'],
  params: z
    .object({
      /** @example "trust_app" */
      role: z.string(),
      /** Also require that it owns no table (an owner can disable triggers and RLS). */
      ownsNoTables: z.boolean().default(true),
      /** Role memberships it may hold (none by default). @example [] */
      allowMemberships: z.array(z.string()).default([]),
    })
    .strict(),
  evaluate(facts, { role, ownsNoTables, allowMemberships }) {
    const schema = schemaOf(facts);
    const access = accessOf(facts);
    const r = access.roles.find((x) => x.name === role);
    if (!r) return [fail(`Role \`${role}\` does not exist.`, { resource: `role:${role}` })];
    const out: Finding[] = roleDrift(schema, r, { allowMemberships, ownsNoTables, schemaCreate: true, access });
    if (!out.length) {
      out.push(
        pass(
          `Role \`${role}\` has no SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION, ${r.memberOf.length ? `is a member only of ${r.memberOf.map((m) => `\`${m.role}\``).join(', ')}` : 'is a member of no role'}${ownsNoTables ? ', owns no table' : ''} and cannot CREATE in any schema.`,
          { resource: `role:${role}` },
          'superuser=false bypassrls=false createrole=false createdb=false replication=false',
        ),
      );
    }
    return out;
  },
});
