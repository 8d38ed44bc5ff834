/**
 * definer_functions_pin_search_path (the generic profile, trust inspect; registered as a check): every SECURITY DEFINER function sets search_path.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/definer-functions-pin-search-path.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('definer_functions_pin_search_path', () => {
  story('clean → a SECURITY DEFINER function without search_path → search_path pinned', () => {
    smellySchemaStory(run, (s) => {
      s.functions[0].config = ['search_path=pg_catalog, public'];
    });
  });
});
