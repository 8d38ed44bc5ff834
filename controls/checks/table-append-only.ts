import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { blockingTrigger, qualified } from './schema-helpers.ts';
import { fail, pass, qname, schemaOf, tableOrFail } from './helpers.ts';

const WRITE_PRIVILEGES = ['UPDATE', 'DELETE', 'TRUNCATE'];

export default defineCheck({
  id: 'table_append_only',
  kind: 'structure',
  description: 'The table refuses UPDATE, DELETE and TRUNCATE for every role through enabled BEFORE triggers, and the named roles hold none of those privileges.',
  collectors: ['schema'],
  params: z.object({
    /** @example "audit_events" */
    table: z.string(),
    /** Roles that must hold no UPDATE, DELETE or TRUNCATE grant. @example ["trust_app", "trust_reader"] */
    roles: z.array(z.string()).default([]),
  }).strict(),
  evaluate(facts, { table, roles }) {
    const schema = schemaOf(facts);
    const found = tableOrFail(schema, table);
    if ('missing' in found) return [found.missing];
    const t = found.table;
    const out: Finding[] = [];
    for (const event of ['update', 'delete', 'truncate'] as const) {
      const trig = blockingTrigger(schema, t, event);
      const verb = event.toUpperCase();
      out.push(trig
        ? pass(`Table \`${qualified(t)}\` refuses ${verb}: trigger \`${trig.name}\` (${trig.timing} ${trig.level}, enabled ${trig.enabled}) calls \`${trig.function}\`, which raises.`,
            { resource: `trigger:${qualified(t)}.${trig.name}` }, `enabled=${trig.enabled}`)
        : fail(`Table \`${qualified(t)}\` has no enabled BEFORE ${verb} trigger that refuses the change, so ${verb} succeeds for whoever holds the privilege, the owner \`${t.owner}\` included.`,
            { resource: `table:${qualified(t)}` }));
    }
    for (const role of roles) {
      const held = t.grants.filter((g) => g.grantee === role && WRITE_PRIVILEGES.includes(g.privilege)).map((g) => g.privilege).sort();
      out.push(held.length
        ? fail(`Role \`${role}\` holds ${held.join(', ')} on \`${qualified(t)}\`.`, { resource: `role:${role}` }, held.join(','))
        : pass(`Role \`${role}\` holds no UPDATE, DELETE or TRUNCATE privilege on \`${qname(table)}\`.`, { resource: `role:${role}` }));
    }
    return out;
  },
});
