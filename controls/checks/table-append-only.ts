import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { blockingTrigger, qualified } from './schema-helpers.ts';
import { fail, pass, qname, schemaOf, tableOrFail } from './helpers.ts';
import { accessOf, effectivePrivileges, firesAlways, originOnlyReason, privilegeSource } from './effective.ts';

const WRITE_PRIVILEGES = ['UPDATE', 'DELETE', 'TRUNCATE'];

export default defineCheck({
  id: 'table_append_only',
  kind: 'structure',
  description:
    'The table refuses UPDATE, DELETE and TRUNCATE for every role through BEFORE triggers enabled ALWAYS (so they fire in replica sessions too), and the named roles effectively hold none of those privileges (has_table_privilege semantics: PUBLIC, memberships, column grants, ownership).',
  collectors: ['schema', 'access'],
  params: z
    .object({
      /** @example "audit_events" */
      table: z.string(),
      /** Roles that must hold no UPDATE, DELETE or TRUNCATE privilege, however it reaches them. @example ["trust_app", "trust_reader"] */
      roles: z.array(z.string()).default([]),
    })
    .strict(),
  evaluate(facts, { table, roles }) {
    const schema = schemaOf(facts);
    const access = accessOf(facts);
    const found = tableOrFail(schema, table);
    if ('missing' in found) return [found.missing];
    const out: Finding[] = [];
    // A partition is a table of its own: written directly (by its owner), only its own triggers
    // fire, and one of them can be disabled there alone. So every partition, at any depth, is
    // judged like the table itself.
    const partitionsOf = (q: string): typeof schema.tables => schema.tables.filter((x) => x.partitionOf === q).flatMap((x) => [x, ...partitionsOf(qualified(x))]);
    for (const t of [found.table, ...partitionsOf(qualified(found.table))]) {
      for (const event of ['update', 'delete', 'truncate'] as const) {
        const verb = event.toUpperCase();
        const always = blockingTrigger(schema, { ...t, triggers: t.triggers.filter(firesAlways) }, event);
        const any = always ?? blockingTrigger(schema, t, event);
        if (always) {
          out.push(
            pass(
              `Table \`${qualified(t)}\` refuses ${verb}: trigger \`${always.name}\` (${always.timing} ${always.level}, enabled ALWAYS) calls \`${always.function}\`, which raises.`,
              { resource: `trigger:${qualified(t)}.${always.name}` },
              `enabled=${always.enabled}`,
            ),
          );
        } else if (any) {
          out.push(fail(originOnlyReason(t, any), { resource: `trigger:${qualified(t)}.${any.name}` }, `enabled=${any.enabled}`));
        } else {
          out.push(
            fail(`Table \`${qualified(t)}\` has no enabled BEFORE ${verb} trigger that refuses the change, so ${verb} succeeds for whoever holds the privilege, the owner \`${t.owner}\` included.`, {
              resource: `table:${qualified(t)}`,
            }),
          );
        }
      }
    }
    const t = found.table;
    for (const role of roles) {
      const r = access.roles.find((x) => x.name === role);
      const held = effectivePrivileges(access, role, t).filter((p) => WRITE_PRIVILEGES.includes(p));
      out.push(
        held.length
          ? fail(`Role \`${role}\` can ${held.join(', ')} \`${qualified(t)}\` (${held.map((p) => `${p} ${privilegeSource(t, role, p, r)}`).join('; ')}).`, { resource: `role:${role}` }, held.join(','))
          : pass(`Role \`${role}\` effectively holds no UPDATE, DELETE or TRUNCATE privilege on \`${qname(table)}\`.`, { resource: `role:${role}` }),
      );
    }
    return out;
  },
});
