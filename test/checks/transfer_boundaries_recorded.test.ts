/** transfer_boundaries_recorded: every agent transfer event sits on the boundary of the agent's state periods. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/transfer-boundaries-recorded.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('transfer_boundaries_recorded', () => {
  story('clean → a transfer event off its boundary → back on it', () => {
    expect(run({ audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    a.transfers = { events: 2, onBoundary: 1, firstOffBoundarySeq: 77 };
    expect(failing(run({ audit: a }))[0].origin.resource).toBe('row:public.audit_events.seq=77');
    a.transfers = { events: 2, onBoundary: 2, firstOffBoundarySeq: null };
    expect(run({ audit: a }).status).toBe('pass');
  });

  it('no transfer at all proves nothing: it fails', () => {
    expect(run({ audit: { ...F.audit(), transfers: { events: 0, onBoundary: 0, firstOffBoundarySeq: null } } }).status).toBe('fail');
  });
});
