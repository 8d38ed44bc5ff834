/**
 * tables_have_primary_key (the generic profile, trust inspect; registered as a check): every table has a primary key.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/tables-have-primary-key.ts';
import { checkOf, failing } from './story.ts';
import { T, cleanSchema, genericFacts, smellySchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('tables_have_primary_key', () => {
  story('clean → a table without a primary key → one added', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    T(s, 'public.audit_log').constraints.push({ name: 'audit_log_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null });
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
