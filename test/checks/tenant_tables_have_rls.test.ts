/**
 * tenant_tables_have_rls (the generic profile, trust inspect; registered as a check): every table with a tenant column enables row-level security.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/tenant-tables-have-rls.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory, T } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('tenant_tables_have_rls', () => {
  story('clean → a tenant table without RLS → RLS enabled', () => {
    smellySchemaStory(run, (s) => {
      T(s, 'public.notes').rls = { enabled: true, forced: true };
    });
  });
});
