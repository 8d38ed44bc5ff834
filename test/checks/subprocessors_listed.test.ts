/** subprocessors_listed: the catalog lists the subprocessors, each with purpose and location. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/subprocessors-listed.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('subprocessors_listed', () => {
  story('clean → an empty list → listed again', () => {
    expect(run({ config: F.config() }).status).toBe('pass');
    const c = F.config();
    c.organisation.subprocessors = [];
    expect(failing(run({ config: c }))[0].origin).toEqual({ resource: 'config:organisation.subprocessors', file: 'controls/catalog.yaml' });
    c.organisation.subprocessors = F.config().organisation.subprocessors;
    expect(run({ config: c }).status).toBe('pass');
  });
});
