/** cookie_flags: every cookie the platform sets is Secure, HttpOnly and SameSite=Strict or Lax. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/cookie-flags.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('cookie_flags', () => {
  story('clean → Secure dropped and SameSite=None → hardened again', () => {
    expect(run({ code: F.code() }).status).toBe('pass');
    const c = F.code();
    const cookie = c.cookies[0];
    c.cookies[0] = { ...cookie, secure: false, sameSite: 'None' };
    expect(failing(run({ code: c }))[0].reason).toBe('The cookie set at platform/identity/session-cookie.ts:10 lacks Secure, SameSite=Strict|Lax.');
    c.cookies[0] = cookie;
    expect(run({ code: c }).status).toBe('pass');
  });
});
