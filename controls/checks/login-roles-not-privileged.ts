/**
 * Generic (trust inspect): no login role but the cluster's install superuser has
 * SUPERUSER or BYPASSRLS, since either ignores every row-level security policy.
 */
import { z } from 'zod';
import { defineCheck } from './types.ts';
import { fail, pass, schemaOf } from './helpers.ts';

export default defineCheck({
  id: 'login_roles_not_privileged',
  description:
    "No role that can log in has SUPERUSER or BYPASSRLS (the cluster's install superuser aside): such a role ignores every row-level security policy, so applications should not connect as one.",
  kind: 'structure',
  collectors: ['schema'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const schema = schemaOf(facts);
    const bad = schema.roles.filter((r) => r.login && !r.bootstrap && (r.superuser || r.bypassRls));
    if (!bad.length) return [pass('No login role other than the install superuser has SUPERUSER or BYPASSRLS.', { resource: `database:${schema.database}` })];
    return bad.map((r) => {
      const attrs = [r.superuser && 'SUPERUSER', r.bypassRls && 'BYPASSRLS'].filter(Boolean).join(' and ');
      return fail(`Login role \`${r.name}\` has ${attrs}, so it bypasses row-level security.`, { resource: `role:${r.name}` });
    });
  },
});
