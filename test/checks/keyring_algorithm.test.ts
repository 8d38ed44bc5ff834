/** keyring_algorithm: the configuration and keyring use AES-256-GCM with 96-bit nonces and the required associated data. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/keyring-algorithm.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('keyring_algorithm', () => {
  story('clean → associated data without the owner → the owner bound again', () => {
    const p = { associatedData: 'table/column/row_id/owner' };
    expect(run({ encryption: F.encryption() }, p).status).toBe('pass');
    const e = F.encryption();
    e.config.associatedData = 'table/column/row_id';
    expect(failing(run({ encryption: e }, p))[0].origin.resource).toBe('config:encryption.associated_data');
    e.config.associatedData = 'table/column/row_id/owner';
    expect(run({ encryption: e }, p).status).toBe('pass');
  });

  it('no keyring fails, naming it', () => {
    expect(failing(run({ encryption: { ...F.encryption(), keyring: null } }))[0].origin.resource).toBe('config:keyring');
  });
});
