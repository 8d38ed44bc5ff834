/** unique_constraint: a unique constraint over the columns (a partial unique index only when allowed). */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/unique-constraint.ts';
import { checkOf } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('unique_constraint', () => {
  story('clean → the constraint dropped (a partial index remains, accepted only when allowed) → re-added', () => {
    const s = platformSchema();
    expect(run(S(s), { table: 'agents', columns: ['server_id'] }).status).toBe('pass');
    const [dropped] = T(s, 'public.agents').constraints.splice(1, 1);
    expect(run(S(s), { table: 'agents', columns: ['server_id'] }).status).toBe('fail');
    expect(run(S(s), { table: 'agents', columns: ['server_id'], allowPartial: true }).findings[0].origin.resource).toBe('index:public.agents_live_server');
    T(s, 'public.agents').constraints.push(dropped);
    expect(run(S(s), { table: 'agents', columns: ['server_id'] }).status).toBe('pass');
  });
});
