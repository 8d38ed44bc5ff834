/** retention_enforced: no table keeps rows past its retention rule, and the rules keep what the control requires. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/retention-enforced.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('retention_enforced', () => {
  story('clean → expired sessions left behind → purged', () => {
    expect(run({ privacy: F.privacy() }).status).toBe('pass');
    const p = F.privacy();
    p.retention.rules[1].expiredRows = 3;
    expect(failing(run({ privacy: p }))[0].origin.resource).toBe('table:public.sessions');
    p.retention.rules[1].expiredRows = 0;
    expect(run({ privacy: p }).status).toBe('pass');
  });

  it('a rule that keeps rows for another period than required names the rule', () => {
    expect(failing(run({ privacy: F.privacy() }, { table: 'admin_access_log', keepDays: 30 }))[0].origin.resource).toBe('config:retention.rules.admin_access_log');
  });
});
