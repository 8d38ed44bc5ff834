/** tool_decisions_recorded: every approval's request, decision and use has its audit event. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/tool-decisions-recorded.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('tool_decisions_recorded', () => {
  story('clean → an approval used with no tool.allowed event → recorded', () => {
    expect(run({ tools: F.tools() }).status).toBe('pass');
    const t = F.tools();
    t.approvals[0].allowedEvent = false;
    expect(failing(run({ tools: t }))[0].origin.resource).toBe('row:public.tool_approvals.id=p1');
    t.approvals[0].allowedEvent = true;
    expect(run({ tools: t }).status).toBe('pass');
  });
});
