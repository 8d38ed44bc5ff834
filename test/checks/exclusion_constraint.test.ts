/** exclusion_constraint: the table has an exclusion constraint over exactly these columns. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/exclusion-constraint.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('exclusion_constraint', () => {
  story('clean → no exclusion constraint over server_id → one added', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', columns: ['region', 'account_id'] }).status).toBe('pass');
    const r = run(S(s), { table: 'agents', columns: ['server_id'] });
    expect(failing(r)[0].reason).toBe('Table `public.agents` has no exclusion constraint over (server_id).');
    T(s, 'public.agents').constraints.push({ name: 'agents_server_no_overlap', kind: 'exclusion', columns: ['server_id'], definition: 'EXCLUDE USING gist (server_id WITH =)', references: null });
    expect(run(S(s), { table: 'agents', columns: ['server_id'] }).status).toBe('pass');
  });

  story('clean → the constraint dropped → re-added', () => {
    const s = platformSchema();
    const p = { table: 'agents', columns: ['account_id', 'region'] };
    expect(run(S(s), p).status).toBe('pass');
    const [dropped] = T(s, 'public.agents').constraints.splice(4, 1);
    expect(failing(run(S(s), p))[0].origin.resource).toBe('table:public.agents');
    T(s, 'public.agents').constraints.push(dropped);
    expect(run(S(s), p).status).toBe('pass');
  });
});
