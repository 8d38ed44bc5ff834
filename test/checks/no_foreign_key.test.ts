/** no_foreign_key: the table has no foreign key to the named tables (its rows outlive theirs). */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/no-foreign-key.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('no_foreign_key', () => {
  story('clean → a foreign key to accounts → dropped', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'audit_events', references: ['agents', 'accounts'] }).status).toBe('pass');
    expect(failing(run(S(s), { table: 'agents', references: ['accounts'] }))[0].origin.resource).toBe('constraint:public.agents.agents_account_id_fkey');
    T(s, 'public.agents').constraints.splice(2, 1);
    expect(run(S(s), { table: 'agents', references: ['accounts'] }).status).toBe('pass');
  });
});
