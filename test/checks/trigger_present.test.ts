/** trigger_present: an enabled trigger of the given timing and events calls the function, whose source contains the text. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/trigger-present.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('trigger_present', () => {
  story('clean → the chain trigger dropped → re-created', () => {
    const p = { table: 'audit_events', function: 'public.audit_chain_event', timing: 'before', events: ['insert'], sourceContains: 'sha256(' };
    const s = platformSchema();
    expect(run(S(s), p).status).toBe('pass');
    const triggers = T(s, 'public.audit_events').triggers;
    T(s, 'public.audit_events').triggers = triggers.filter((t) => t.name !== 'audit_events_chain');
    expect(failing(run(S(s), p))[0].origin.resource).toBe('table:public.audit_events');
    T(s, 'public.audit_events').triggers = triggers;
    expect(run(S(s), p).status).toBe('pass');
    // A function whose source lacks the required text.
    expect(run(S(s), { ...p, sourceContains: 'md5(' }).status).toBe('fail');
  });
});
