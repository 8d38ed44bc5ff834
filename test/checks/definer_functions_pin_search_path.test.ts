/**
 * definer_functions_pin_search_path (the generic profile, trust inspect; registered as a check): every SECURITY DEFINER function sets search_path.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/definer-functions-pin-search-path.ts';
import { checkOf, failing } from './story.ts';
import { cleanSchema, genericFacts, smellySchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('definer_functions_pin_search_path', () => {
  story('clean → a SECURITY DEFINER function without search_path → search_path pinned', () => {
    expect(run(genericFacts(cleanSchema())).status).toBe('pass');
    const s = smellySchema();
    const r = run(genericFacts(s));
    expect(r.status).toBe('fail');
    expect(failing(r)[0].origin.resource).toMatch(/^(table|column|function|role):/);
    s.functions[0].config = ['search_path=pg_catalog, public'];
    expect(run(genericFacts(s)).status).toBe('pass');
  });
});
