/** disclosure_policy_complete: the disclosure policy names a contact, acknowledgement and fix targets within bounds. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/disclosure-policy-complete.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('disclosure_policy_complete', () => {
  story('clean → critical fixes in 60 days → back to 7', () => {
    expect(run({ config: F.config() }).status).toBe('pass');
    const c = F.config();
    c.organisation.disclosure.fixTargetDays.critical = 60;
    expect(failing(run({ config: c })).map((f) => f.origin.resource)).toEqual(['config:organisation.disclosure.fixTargetDays']);
    c.organisation.disclosure.fixTargetDays.critical = 7;
    expect(run({ config: c }).status).toBe('pass');
  });
});
