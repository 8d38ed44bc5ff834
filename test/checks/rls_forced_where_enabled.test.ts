/**
 * rls_forced_where_enabled (the generic profile, trust inspect; registered as a check): every table that enables row-level security forces it.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/rls-forced-where-enabled.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory, T } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('rls_forced_where_enabled', () => {
  story('clean → RLS enabled without FORCE → forced', () => {
    smellySchemaStory(run, (s) => {
      T(s, 'public.audit_log').rls.forced = true;
    });
  });
});
