/** resources_in_allowed_regions: every resource is in a region that offers its product, and the region guards are enabled. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/resources-in-allowed-regions.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('resources_in_allowed_regions', () => {
  story('clean → a VM where VMs are not offered, the agents guard disabled → moved, enabled', () => {
    expect(run({ regions: F.regions() }).status).toBe('pass');
    const r = F.regions();
    r.resources.push({ table: 'public.vms', region: 'us', product: 'vm', count: 1 });
    r.guards[0].triggers[0].enabled = 'D';
    expect(failing(run({ regions: r })).map((f) => f.origin.resource)).toEqual(['table:public.vms', 'table:public.agents']);
    r.resources.pop();
    r.guards[0].triggers[0].enabled = 'O';
    expect(run({ regions: r }).status).toBe('pass');
  });
});
