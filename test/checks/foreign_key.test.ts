/** foreign_key: a foreign key from the columns to the referenced table, with the required ON DELETE and NOT NULL. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/foreign-key.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema, table } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('foreign_key', () => {
  story('clean → ON DELETE cascade where restrict is required → changed to restrict', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', columns: ['account_id'], references: 'accounts', onDelete: 'cascade', notNull: true }).status).toBe('pass');
    const restrict = { table: 'agents', columns: ['account_id'], references: 'accounts', onDelete: 'restrict' };
    expect(failing(run(S(s), restrict))[0].reason).toBe('Foreign key `agents_account_id_fkey` on `public.agents` is ON DELETE cascade, not restrict.');
    const fk = T(s, 'public.agents').constraints[2];
    fk.definition = 'FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE RESTRICT';
    fk.references = { ...fk.references!, onDelete: 'restrict' };
    expect(run(S(s), restrict).status).toBe('pass');
  });

  story('clean → no foreign key from region → one added', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', columns: ['account_id'], references: 'accounts' }).status).toBe('pass');
    expect(run(S(s), { table: 'agents', columns: ['region'], references: 'regions' }).status).toBe('fail');
    s.tables.push(table('public.regions'));
    T(s, 'public.agents').constraints.push({
      name: 'agents_region_fkey',
      kind: 'foreign_key',
      columns: ['region'],
      definition: 'FOREIGN KEY (region) REFERENCES regions(id)',
      references: { table: 'public.regions', columns: ['id'], onDelete: 'no_action', onUpdate: 'no_action' },
    });
    expect(run(S(s), { table: 'agents', columns: ['region'], references: 'regions' }).status).toBe('pass');
  });
});
