/**
 * rls_forced_where_enabled (the generic profile, trust inspect; registered as a check): every table that enables row-level security forces it.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/rls-forced-where-enabled.ts';
import { checkOf, failing } from './story.ts';
import { T, cleanSchema, genericFacts, smellySchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('rls_forced_where_enabled', () => {
  story('clean → RLS enabled without FORCE → forced', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    T(s, 'public.audit_log').rls.forced = true;
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
