/**
 * audit_tables_immutable (the generic profile, trust inspect; registered as a check): every audit-like table has an enabled trigger that refuses UPDATE.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/audit-tables-immutable.ts';
import { checkOf, failing } from './story.ts';
import { T, cleanSchema, genericFacts, smellySchema, refuseFn } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('audit_tables_immutable', () => {
  story('clean → an audit log nothing guards → a trigger refusing UPDATE and DELETE', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    s.functions.push(refuseFn());
    T(s, 'public.audit_log').triggers.push({
      name: 'audit_log_no_update',
      function: 'public.refuse_change',
      enabled: 'A',
      timing: 'before',
      level: 'row',
      events: ['delete', 'update'],
      conditional: false,
      updateColumns: [],
      definition: '',
    });
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
