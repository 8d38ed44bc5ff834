/** audit_actions_recorded: each named action has at least one audit event. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/audit-actions-recorded.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('audit_actions_recorded', () => {
  story('clean → no vm.destroyed event → one recorded', () => {
    expect(run({ audit: F.audit() }, { actions: ['agent.provisioned'] }).status).toBe('pass');
    const a = F.audit();
    expect(failing(run({ audit: a }, { actions: ['agent.provisioned', 'vm.destroyed'] }))).toEqual([
      expect.objectContaining({ reason: 'No audit event with action `vm.destroyed` is recorded.', origin: { resource: 'audit_action:vm.destroyed' } }),
    ]);
    a.actions.push({ action: 'vm.destroyed', count: 1 });
    expect(run({ audit: a }, { actions: ['agent.provisioned', 'vm.destroyed'] }).status).toBe('pass');
  });
});
