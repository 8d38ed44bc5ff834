/** columns_encrypted: every value of the configured columns is ciphertext of the configured format, under a key the keyring holds. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/columns-encrypted.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('columns_encrypted', () => {
  story('clean → a value that is not ciphertext → re-encrypted', () => {
    expect(run({ encryption: F.encryption() }).status).toBe('pass');
    const e = F.encryption();
    e.columns[0].malformed = 1;
    expect(failing(run({ encryption: e }))[0]).toMatchObject({
      reason: 'Column `public.oauth_connections.access_token` holds 1 of 5 value(s) that do not look like tev2 ciphertext.',
      origin: { resource: 'column:public.oauth_connections.access_token' },
    });
    e.columns[0].malformed = 0;
    expect(run({ encryption: e }).status).toBe('pass');
  });

  story('clean → values under a key version the keyring lacks → re-encrypted under a held one', () => {
    const unknownKey = F.encryption();
    expect(run({ encryption: unknownKey }).status).toBe('pass');
    unknownKey.columns[1].versions.push({ format: 'tev2', keyVersion: 9, count: 1 });
    expect(run({ encryption: unknownKey }).status).toBe('fail');
    unknownKey.columns[1].versions.pop();
    expect(run({ encryption: unknownKey }).status).toBe('pass');
  });

  it('a required column the configuration does not encrypt is named, with the configuration file', () => {
    expect(failing(run({ encryption: F.encryption() }, { columns: ['oauth_connections.refresh_token'] }))[0].origin).toMatchObject({
      resource: 'column:public.oauth_connections.refresh_token',
      file: 'platform/config/encryption.yaml',
    });
  });
});
