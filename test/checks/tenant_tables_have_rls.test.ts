/**
 * tenant_tables_have_rls (the generic profile, trust inspect; registered as a check): every table with a tenant column enables row-level security.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/tenant-tables-have-rls.ts';
import { checkOf, failing } from './story.ts';
import { T, cleanSchema, genericFacts, smellySchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('tenant_tables_have_rls', () => {
  story('clean → a tenant table without RLS → RLS enabled', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    T(s, 'public.notes').rls = { enabled: true, forced: true };
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
