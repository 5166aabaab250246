/**
 * Failures of the store itself (not business rules): opening, connecting, migrating. `code` is
 * stable for callers and tests; `message` says what to check, and never contains a password.
 */
export type StoreErrorCode =
  | 'db_open_failed'
  | 'db_connect_failed'
  | 'db_auth_failed'
  | 'db_not_found'
  | 'db_extension_missing'
  | 'schema_too_new'
  | 'migration_failed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** The SQLSTATE of a PostgreSQL error (pg and PGlite both put it on `code`), or undefined. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
