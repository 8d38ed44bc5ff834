/** tool_decisions_within_skills: every allowed tool call belongs to a skill the agent had enabled. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/tool-decisions-within-skills.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('tool_decisions_within_skills', () => {
  story('clean → a tool allowed for a skill the agent never enabled → the skill enabled', () => {
    expect(run({ tools: F.tools() }).status).toBe('pass');
    const t = F.tools();
    t.allowed[0].enabledSkills = 'email';
    expect(failing(run({ tools: t }))[0]).toMatchObject({ origin: { resource: 'row:public.audit_events.seq=10' }, kind: 'data' });
    t.allowed[0].enabledSkills = 'email,web';
    expect(run({ tools: t }).status).toBe('pass');
  });
});
