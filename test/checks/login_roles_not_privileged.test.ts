/**
 * login_roles_not_privileged (the generic profile, trust inspect; registered as a check): no login role but the install superuser has SUPERUSER or BYPASSRLS.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/login-roles-not-privileged.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('login_roles_not_privileged', () => {
  story('clean → a login role with BYPASSRLS → NOBYPASSRLS', () => {
    smellySchemaStory(run, (s) => {
      s.roles[0].bypassRls = false;
    });
  });
});
