/** Stable identifiers for every failure the Twilio simulator reports. */
export type TwilioSimErrorCode =
  | 'INVALID_ARGUMENT'
  | 'WEBHOOK_FAILED'
  | 'WEBHOOK_REFUSED'
  | 'TWIML_INVALID'
  | 'STREAM_HANDSHAKE_FAILED'
  | 'NOT_CONNECTED'
  | 'CALL_ENDED'
  | 'TIMEOUT'
  | 'NETWORK_CLOSED';

/**
 * Error thrown by the simulator. Tests branch on `code`; `message` says what happened and what to
 * check. A refused HTTP request or WebSocket upgrade carries the `status` and `body` Parley sent.
 */
export class TwilioSimError extends Error {
  override readonly name = 'TwilioSimError';

  constructor(
    readonly code: TwilioSimErrorCode,
    message: string,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}
