/** column_guarded_immutable: an enabled BEFORE UPDATE trigger refuses any change of the column. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/column-guarded-immutable.ts';
import { checkOf, failing } from './story.ts';
import { S, T, fn, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('column_guarded_immutable', () => {
  story('clean → the region guard disabled → enabled again', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', column: 'region' }).status).toBe('pass');
    T(s, 'public.agents').triggers[0].enabled = 'D';
    expect(failing(run(S(s), { table: 'agents', column: 'region' }))[0]).toMatchObject({ origin: { resource: 'trigger:public.agents.agents_region_fixed' }, observed: 'enabled=D' });
    T(s, 'public.agents').triggers[0].enabled = 'A';
    expect(run(S(s), { table: 'agents', column: 'region' }).status).toBe('pass');
  });

  story('clean → a column no trigger guards → a guard added', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', column: 'region' }).status).toBe('pass');
    expect(run(S(s), { table: 'agents', column: 'server_id' }).status).toBe('fail');
    s.functions.push(fn('public.reject_server_change', { source: "BEGIN IF NEW.server_id IS DISTINCT FROM OLD.server_id THEN RAISE EXCEPTION 'fixed'; END IF; RETURN NEW; END" }));
    T(s, 'public.agents').triggers.push({
      name: 'agents_server_fixed',
      function: 'public.reject_server_change',
      enabled: 'A',
      timing: 'before',
      level: 'row',
      events: ['update'],
      conditional: false,
      updateColumns: [],
      definition: '',
    });
    expect(run(S(s), { table: 'agents', column: 'server_id' }).status).toBe('pass');
  });
});
