/**
 * audit_tables_immutable (the generic profile, trust inspect; registered as a check): every audit-like table has an enabled trigger that refuses UPDATE.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/audit-tables-immutable.ts';
import { checkOf } from './story.ts';
import { refuseFn, refusingTrigger, smellySchemaStory, T } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('audit_tables_immutable', () => {
  story('clean → an audit log nothing guards → a trigger refusing UPDATE and DELETE', () => {
    smellySchemaStory(run, (s) => {
      s.functions.push(refuseFn());
      T(s, 'public.audit_log').triggers.push(refusingTrigger('audit_log_no_update', ['delete', 'update']));
    });
  });
});
