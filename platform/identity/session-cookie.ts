/**
 * THE place where the session cookie's attributes are set. Secure (HTTPS only),
 * HttpOnly (no script access), SameSite=Strict (no cross-site sends), Path=/ and a
 * Max-Age equal to the session lifetime.
 */
export const SESSION_COOKIE_NAME = '__Host-hc_session';
export const SESSION_COOKIE_ATTRIBUTES = { Secure: true, HttpOnly: true, SameSite: 'Strict', Path: '/' } as const;

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE_NAME}=${token}; Max-Age=${Math.floor(maxAgeSeconds)}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

/** The session token from a Cookie header, or null. */
export function sessionTokenFromCookieHeader(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE_NAME) return v.join('=');
  }
  return null;
}
