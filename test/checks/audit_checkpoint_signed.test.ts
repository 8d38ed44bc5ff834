/** audit_checkpoint_signed: the latest checkpoint is signed by a trusted key and the chain verifies from it. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/audit-checkpoint-signed.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('audit_checkpoint_signed', () => {
  story('clean → the signature no longer verifies → re-signed', () => {
    expect(run({ audit: F.audit() }).status).toBe('pass');
    const a = F.audit();
    a.checkpoint!.signatureValid = false;
    expect(failing(run({ audit: a }))[0].origin.resource).toBe('row:public.audit_checkpoints.seq=100');
    a.checkpoint!.signatureValid = true;
    expect(run({ audit: a }).status).toBe('pass');
  });

  story('clean → signed by a key nobody trusts → accepted only when trust is not required', () => {
    expect(run({ audit: F.audit() }).status).toBe('pass');
    const untrusted = F.audit();
    untrusted.checkpoint!.keyTrusted = false;
    expect(run({ audit: untrusted }).status).toBe('fail');
    expect(run({ audit: untrusted }, { requireTrustedKey: false }).status).toBe('pass');
  });

  it('no checkpoint at all fails', () => {
    expect(run({ audit: { ...F.audit(), checkpoint: null } }).status).toBe('fail');
  });
});
