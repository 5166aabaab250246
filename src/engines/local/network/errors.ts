/** Which provider slot a network error comes from. */
export type NetworkSlot = 'stt' | 'llm' | 'tts';

/** What went wrong, independent of the slot. */
export type NetworkFailure =
  /** The server answered with a non-2xx status (`status` says which; the message carries the server's own error text). */
  | 'http_error'
  /** No answer (headers, or the next piece of a stream) within `timeoutMs`. */
  | 'timeout'
  /** The server could not be reached or dropped the connection (refused, reset, DNS). */
  | 'network_error'
  /** The server answered 2xx with something that is not what the API documents. */
  | 'bad_response'
  /** A chat completions stream carried an `error` object instead of a chunk. */
  | 'stream_error'
  /** The request was cancelled by the caller (`cancel()`, an aborted signal). */
  | 'cancelled'
  /** The provider was closed. */
  | 'closed'
  /** The utterance is larger than the transcription endpoint accepts (25 MB at OpenAI). */
  | 'audio_too_long';

/** `stt_http_error`, `llm_timeout`, `tts_network_error`, … */
export type NetworkErrorCode = `${NetworkSlot}_${NetworkFailure}`;

/**
 * Error thrown by the network providers. Callers branch on `code` (and `status`
 * for HTTP errors); `message` is for humans. No message ever contains the API
 * key: server texts are redacted before they are quoted.
 */
export class NetworkProviderError extends Error {
  readonly code: NetworkErrorCode;
  readonly slot: NetworkSlot;
  /** The HTTP status, for `*_http_error`. */
  readonly status: number | undefined;

  constructor(slot: NetworkSlot, failure: NetworkFailure, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetworkProviderError';
    this.slot = slot;
    this.code = `${slot}_${failure}`;
    this.status = options.status;
  }
}

const REDACTED = '[redacted]';

/**
 * Removes secrets from text that is about to be quoted in an error or a log:
 * every occurrence of the key itself, and any `Bearer <token>` a server echoes.
 */
export function redact(text: string, secret: string | undefined): string {
  let out = text;
  if (secret) out = out.split(secret).join(REDACTED);
  return out.replace(/\b(Bearer\s+)(?!\[redacted\])[^\s"',;]+/gi, `$1${REDACTED}`);
}

/** A URL fit for messages: no user info, no query, no fragment (any of them may hold a credential). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@').replace(/[?#].*$/, '');
  }
}
