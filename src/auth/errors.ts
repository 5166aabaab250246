/**
 * Why a credential was refused. 401s: nothing usable was presented; 403: a valid credential
 * that does not cover what was asked. Messages say what to send instead.
 */
export type AuthErrorCode = 'missing_credential' | 'invalid_credential' | 'credential_expired' | 'credential_revoked' | 'insufficient_scope';

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  get status(): 401 | 403 {
    return this.code === 'insufficient_scope' ? 403 : 401;
  }
}
