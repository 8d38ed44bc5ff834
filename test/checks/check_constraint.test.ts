/** check_constraint: a CHECK constraint on the column, containing the given text. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/check-constraint.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('check_constraint', () => {
  story('clean → a CHECK without the required text, a column without a CHECK → a CHECK added', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', column: 'region', contains: ['^[a-z]+$'] }).status).toBe('pass');
    expect(failing(run(S(s), { table: 'agents', column: 'region', contains: ['tev1'] }))[0].origin.resource).toBe('constraint:public.agents.agents_region_check');
    expect(failing(run(S(s), { table: 'agents', column: 'server_id' }))[0].reason).toBe('Column `public.agents.server_id` has no CHECK constraint.');
    T(s, 'public.agents').constraints.push({ name: 'agents_server_id_check', kind: 'check', columns: ['server_id'], definition: 'CHECK ((server_id IS NOT NULL))', references: null });
    expect(run(S(s), { table: 'agents', column: 'server_id' }).status).toBe('pass');
  });

  story('clean → the region CHECK loosened → pinned again', () => {
    const s = platformSchema();
    const p = { table: 'agents', column: 'region', contains: ['^[a-z]+$'] };
    expect(run(S(s), p).status).toBe('pass');
    const c = T(s, 'public.agents').constraints[3];
    const definition = c.definition;
    c.definition = "CHECK ((region <> ''::text))";
    expect(failing(run(S(s), p))[0].origin.resource).toBe('constraint:public.agents.agents_region_check');
    c.definition = definition;
    expect(run(S(s), p).status).toBe('pass');
  });
});
