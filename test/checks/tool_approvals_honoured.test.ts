/** tool_approvals_honoured: every allowed call of a gated tool used exactly one approval given before it. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/tool-approvals-honoured.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('tool_approvals_honoured', () => {
  story('clean → a gated tool allowed without an approval → approved before', () => {
    expect(run({ tools: F.tools() }).status).toBe('pass');
    const t = F.tools();
    t.allowed[1].approval = 'none';
    expect(failing(run({ tools: t }))[0].origin.resource).toBe('row:public.audit_events.seq=14');
    t.allowed[1].approval = 'approved_before';
    expect(run({ tools: t }).status).toBe('pass');
  });

  it('an approval used twice fails', () => {
    const u = F.tools();
    u.allowed[1].approvalUses = 2;
    expect(run({ tools: u }).status).toBe('fail');
  });
});
