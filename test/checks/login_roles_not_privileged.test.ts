/**
 * login_roles_not_privileged (the generic profile, trust inspect; registered as a check): no login role but the install superuser has SUPERUSER or BYPASSRLS.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/login-roles-not-privileged.ts';
import { checkOf, failing } from './story.ts';
import { cleanSchema, genericFacts, smellySchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('login_roles_not_privileged', () => {
  story('clean → a login role with BYPASSRLS → NOBYPASSRLS', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    s.roles[0].bypassRls = false;
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
