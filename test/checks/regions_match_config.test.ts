/** regions_match_config: the regions table mirrors the regions configuration. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/regions-match-config.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('regions_match_config', () => {
  story('clean → a region relocated and one added in the table → mirrored again', () => {
    expect(run({ regions: F.regions() }).status).toBe('pass');
    const r = F.regions();
    r.database[0].location = 'fra1';
    r.database.push({ id: 'ap', location: 'sin', priceCell: 'x', products: ['agent'] });
    expect(failing(run({ regions: r })).map((f) => f.origin.resource)).toEqual(['config:regions.eu', 'row:public.regions.id=ap']);
    r.database = F.regions().database;
    expect(run({ regions: r }).status).toBe('pass');
  });
});
