/** audit_chain_intact: the audit chain verifies from its first event to its head. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/audit-chain-intact.ts';
import { checkOf, failing } from './story.ts';
import { runCheck } from '../../controls/checks/types.ts';
import * as F from './fact-fixtures.ts';

const { def, run, story } = checkOf(check);

describe('audit_chain_intact', () => {
  story('clean → event 42 rewritten → the chain verifies again (restored)', () => {
    expect(run({ audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    const verification = a.verification;
    a.verification = { ...verification, ok: false, firstBroken: { seq: 42, reason: 'event 42 hash does not match' } };
    expect(failing(run({ audit: a }))[0]).toMatchObject({ reason: 'The audit chain breaks at event 42: event 42 hash does not match.', origin: { resource: 'row:public.audit_events.seq=42' } });
    a.verification = verification;
    expect(run({ audit: a }).status).toBe('pass');
  });

  it('an empty chain proves nothing: it fails', () => {
    expect(run({ audit: { ...F.audit(), events: 0 } }).status).toBe('fail');
  });

  it('missing facts give an error result, never a pass', () => {
    expect(runCheck(def, {}, {}).status).toBe('error');
  });
});
