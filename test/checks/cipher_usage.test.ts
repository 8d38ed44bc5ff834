/** cipher_usage: every createCipheriv call uses the configured algorithm, a random nonce and (when required) associated data. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/cipher-usage.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('cipher_usage', () => {
  story('clean → a nonce not from randomBytes → from randomBytes again', () => {
    expect(run({ code: F.code() }, { requireAad: true }).status).toBe('pass');
    const c = F.code();
    const cipher = c.ciphers[0];
    c.ciphers[0] = { ...cipher, nonceSource: 'other', nonceExpression: 'Buffer.alloc(12)', nonceBytes: null };
    expect(failing(run({ code: c }))[0]).toMatchObject({
      reason: 'createCipheriv at platform/crypto/keyring.ts:96 takes its nonce from `Buffer.alloc(12)`, not from randomBytes.',
      origin: { file: 'platform/crypto/keyring.ts', line: 96 },
    });
    c.ciphers[0] = cipher;
    expect(run({ code: c }).status).toBe('pass');
  });

  story('clean → setAAD removed → set again', () => {
    const noAad = F.code();
    expect(run({ code: noAad }, { requireAad: true }).status).toBe('pass');
    noAad.ciphers[0].setsAad = false;
    expect(run({ code: noAad }, { requireAad: true }).status).toBe('fail');
    noAad.ciphers[0].setsAad = true;
    expect(run({ code: noAad }, { requireAad: true }).status).toBe('pass');
  });

  it('no cipher call at all proves nothing: it fails', () => {
    expect(run({ code: { ...F.code(), ciphers: [] } }).status).toBe('fail');
  });
});
