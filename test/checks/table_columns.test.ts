/** table_columns: the table has the named columns, and the NOT NULL ones are NOT NULL. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/table-columns.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('table_columns', () => {
  story('clean → a column missing and one nullable → added, and made NOT NULL', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', columns: ['region'], notNull: ['account_id'] }).status).toBe('pass');
    const p = { table: 'agents', columns: ['reason'], notNull: ['id'] };
    expect(failing(run(S(s), p)).map((f) => f.origin.resource)).toEqual(['column:public.agents.reason', 'column:public.agents.id']);
    const agents = T(s, 'public.agents');
    agents.columns.push({ name: 'reason', type: 'text', notNull: false, default: null, comment: null });
    agents.columns[0].notNull = true;
    expect(run(S(s), p).status).toBe('pass');
  });
});
