/** no_secret_logging: no logging call is passed a secret-named value (in the directories in scope). */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/no-secret-logging.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('no_secret_logging', () => {
  story('clean → a refresh token logged → the call removed', () => {
    expect(run({ code: F.code() }).status).toBe('pass');
    const c = F.code();
    c.secretLogging.push({ file: 'platform/oauth/connections.ts', line: 12, callee: 'console.log', names: ['refreshToken'] });
    expect(failing(run({ code: c }))[0]).toMatchObject({ reason: '`console.log` at platform/oauth/connections.ts:12 is passed `refreshToken`.', origin: { line: 12 } });
    // Out of scope when only other directories are judged.
    expect(run({ code: c }, { dirs: ['platform/identity'] }).status).toBe('pass');
    c.secretLogging.pop();
    expect(run({ code: c }).status).toBe('pass');
  });

  it('the code collector flags secret-named values, not counters or outcomes named after them', async () => {
    const { secretNamed } = await import('../../collectors/code.ts');
    for (const n of ['refreshToken', 'accessToken', 'password', 'apiKey', 'clientSecret', 'ciphertext', 'plaintext']) expect(secretNamed(n), n).toBe(true);
    for (const n of ['refreshFailed', 'tokenHash', 'apiKeyId', 'passwordHash', 'tokenCount', 'secretName', 'refreshed', 'tokenExpiresAt']) expect(secretNamed(n), n).toBe(false);
  });
});
