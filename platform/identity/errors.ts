/** Typed refusals of identity and authorization; thrown before anything is written. */
import { PlatformError } from '../kernel/errors.ts';

export type AuthErrorCode =
  | 'malformed_api_key'
  | 'unknown_api_key'
  | 'revoked_api_key'
  | 'insufficient_tier'
  | 'unknown_operation'
  | 'invalid_credentials'
  | 'weak_password'
  | 'malformed_session'
  | 'unknown_session'
  | 'expired_session';

export class AuthError extends PlatformError {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'AuthError';
  }
}
