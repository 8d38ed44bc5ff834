/**
 * tables_have_primary_key (the generic profile, trust inspect; registered as a check): every table has a primary key.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/tables-have-primary-key.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory, T } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('tables_have_primary_key', () => {
  story('clean → a table without a primary key → one added', () => {
    smellySchemaStory(run, (s) => {
      T(s, 'public.audit_log').constraints.push({ name: 'audit_log_pkey', kind: 'primary_key', columns: ['id'], definition: 'PRIMARY KEY (id)', references: null });
    });
  });
});
