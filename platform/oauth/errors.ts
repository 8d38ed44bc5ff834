import { PlatformError } from '../kernel/errors.ts';

export type OAuthErrorCode = 'malformed_state' | 'unknown_state' | 'state_used' | 'state_expired' | 'unknown_connection' | 'connection_failed' | 'invalid_token';

export class OAuthError extends PlatformError {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'OAuthError';
  }
}

/** What a token endpoint throws: `terminal` errors (invalid_grant) end the connection. */
export class TokenEndpointError extends Error {
  constructor(
    readonly errorCode: string,
    readonly terminal: boolean,
  ) {
    super(`token endpoint error ${errorCode}`);
    this.name = 'TokenEndpointError';
  }
}
