import { UsageError } from '../command.js';
/**
 * What `parley talk` reports when it cannot go on: a stable code (for scripts and tests) and a
 * message in plain words that says what to do next. The command exits 1 with it.
 */
export class TalkError extends Error {
  override readonly name = 'TalkError';

  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status of a refusal, when the server refused. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Bad arguments: the command prints the message and its usage, and exits 2. */
export class TalkUsageError extends UsageError {
  override readonly name = 'TalkUsageError';
}
