/** ciphertexts_bound_to_owner: every encrypted value opens only with its own row and owner (tev2), none is left in tev1. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/ciphertexts-bound-to-owner.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('ciphertexts_bound_to_owner', () => {
  story('clean → values still in the row-only tev1 binding → rotated', () => {
    expect(run({ encryption: F.encryption() }).status).toBe('pass');
    // A value still in the row-only tev1 binding fails until rotated.
    const legacy = F.encryption();
    legacy.columns[1].versions.push({ format: 'tev1', keyVersion: 2, count: 2 });
    legacy.columns[1].legacy = 2;
    expect(failing(run({ encryption: legacy }))[0]).toMatchObject({
      reason: expect.stringMatching(/^2 of 3 value\(s\) of `public.agent_secrets.ciphertext` still use the tev1 binding .* run `trust keys rotate`/),
      origin: { resource: 'column:public.agent_secrets.ciphertext' },
    });
    legacy.columns[1].versions.pop();
    legacy.columns[1].legacy = 0;
    expect(run({ encryption: legacy }).status).toBe('pass');
  });

  story('clean → a row moved to another owner (its value no longer opens) → moved back', () => {
    expect(run({ encryption: F.encryption() }).status).toBe('pass');
    const moved = F.encryption();
    const binding = moved.columns[1].binding!;
    moved.columns[1].binding = { ...binding, opened: 2, failureCount: 1, failures: [{ rowId: '7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11', reason: 'authentication_failed' }] };
    expect(failing(run({ encryption: moved }))[0]).toMatchObject({
      reason: expect.stringContaining('1 of 3 value(s) of `public.agent_secrets.ciphertext` do not open with their own row and owner (authentication_failed)'),
      origin: { resource: 'row:public.agent_secrets.id=7b0d6a84-0f6e-4d5a-9d51-1c8f0d1f0a11' },
    });
    moved.columns[1].binding = binding;
    expect(run({ encryption: moved }).status).toBe('pass');
  });

  story('clean → a value that still opens when re-bound elsewhere → re-sealed with its binding', () => {
    expect(run({ encryption: F.encryption() }).status).toBe('pass');
    const loose = F.encryption();
    const binding = loose.columns[0].binding!;
    loose.columns[0].binding = { ...binding, refusedElsewhere: 4 };
    expect(failing(run({ encryption: loose }))[0].reason).toBe('1 of 5 value(s) of `public.oauth_connections.access_token` still opened when re-bound to another row id or owner value.');
    loose.columns[0].binding = binding;
    expect(run({ encryption: loose }).status).toBe('pass');
  });

  story('clean → no owner bound in the configuration → bound again', () => {
    expect(run({ encryption: F.encryption() }).status).toBe('pass');
    const unbound = F.encryption();
    unbound.columns[0].ownerColumns = ['provider'];
    expect(failing(run({ encryption: unbound }))[0].origin).toMatchObject({ resource: 'config:encryption.columns', file: 'platform/config/encryption.yaml' });
    unbound.columns[0].ownerColumns = ['account_id', 'provider'];
    expect(run({ encryption: unbound }).status).toBe('pass');
  });

  it('no keyring to open with fails for every column', () => {
    const keyless = F.encryption();
    for (const c of keyless.columns) c.binding = null;
    expect(failing(run({ encryption: keyless })).map((f) => f.origin.resource)).toEqual(['config:keyring', 'config:keyring']);
  });
});
