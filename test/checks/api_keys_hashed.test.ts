/** api_keys_hashed: every API key is stored as a SHA-256 hash, with a prefix matching its tier. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/api-keys-hashed.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('api_keys_hashed', () => {
  story('clean → a key stored other than as its SHA-256 → rehashed', () => {
    expect(run({ identity: F.identity() }).status).toBe('pass');
    const i = F.identity();
    i.apiKeys.sha256Hashes = 1;
    expect(failing(run({ identity: i }))[0].origin.resource).toBe('column:public.api_keys.key_hash');
    i.apiKeys.sha256Hashes = 2;
    expect(run({ identity: i }).status).toBe('pass');
  });
});
