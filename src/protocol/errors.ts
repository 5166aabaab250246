/**
 * Protocol errors travel back to the caller as `error` events; the connection
 * stays up. `code` is machine-readable, `message` says what to do, `param`
 * names the offending field as a dotted path.
 */
export type ErrorType = 'invalid_request_error' | 'server_error';

export class ProtocolError extends Error {
  readonly code: string;
  readonly param: string | null;
  readonly type: ErrorType;

  constructor(code: string, message: string, param: string | null = null, type: ErrorType = 'invalid_request_error') {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.param = param;
    this.type = type;
  }
}

/** The error codes Parley emits, in one place so clients and tests can rely on them. */
export const ErrorCode = {
  invalidJson: 'invalid_json',
  invalidEvent: 'invalid_event',
  unknownEventType: 'invalid_value',
  unknownParameter: 'unknown_parameter',
  missingRequiredParameter: 'missing_required_parameter',
  invalidValue: 'invalid_value',
  frameTooLarge: 'frame_too_large',
  audioTooLarge: 'input_audio_buffer_append_too_large',
  inputBufferFull: 'input_audio_buffer_full',
  commitEmpty: 'input_audio_buffer_commit_empty',
  itemNotFound: 'item_not_found',
  itemAlreadyExists: 'item_already_exists',
  conversationFull: 'conversation_max_items_exceeded',
  truncateInvalid: 'invalid_truncate',
  activeResponse: 'conversation_already_has_active_response',
  cancelNotActive: 'response_cancel_not_active',
  cannotUpdateModel: 'cannot_update_model',
  cannotUpdateVoice: 'cannot_update_voice',
  unsupported: 'unsupported',
  rateLimited: 'rate_limit_exceeded',
  engineError: 'engine_error',
  sessionExpired: 'session_expired',
} as const;
