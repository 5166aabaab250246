/**
 * Why the openai engine could not reach, keep or configure its upstream. Callers branch
 * on `code`; `message` says what to check. No message ever contains the API key.
 */
export type OpenAIEngineErrorCode =
  /** OPENAI_BASE_URL (or `baseUrl`) is not an http(s) URL. */
  | 'invalid_config'
  /** HTTP 401/403 at the WebSocket upgrade: the key is wrong, revoked or lacks access. */
  | 'upstream_auth_failed'
  /** HTTP 404 at the upgrade: usually an unknown model or a base URL without `/v1`. */
  | 'upstream_not_found'
  /** HTTP 429 at the upgrade. */
  | 'upstream_rate_limited'
  /** Any other HTTP status at the upgrade (`status` says which). */
  | 'upstream_refused'
  /** The host could not be reached (refused, reset, DNS). */
  | 'upstream_unreachable'
  /** No `session.created` (or no answer to the session set-up) in time. */
  | 'upstream_timeout'
  /** The upstream closed the socket before the session was ready. */
  | 'upstream_closed'
  /** The upstream sent an `error` while the session was being set up. */
  | 'upstream_error'
  /** The upstream refused the agent's session configuration (`session.update`). */
  | 'upstream_session_rejected'
  /** HTTP 404 at a sideband's upgrade (`?call_id=`): the call has ended, or never existed. */
  | 'call_not_found';

export class OpenAIEngineError extends Error {
  readonly code: OpenAIEngineErrorCode;
  /** The HTTP status, for errors at the upgrade. */
  readonly status: number | undefined;
  /** Whether trying again later can help (a wrong key or model never gets better by retrying). */
  readonly retriable: boolean;

  constructor(code: OpenAIEngineErrorCode, message: string, opts: { status?: number; retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OpenAIEngineError';
    this.code = code;
    this.status = opts.status;
    this.retriable = opts.retriable ?? true;
  }
}

/** The error for an HTTP answer to the upgrade; `detail` is the server's own error text, already redacted; `callId` for a sideband. */
export function upgradeRefused(status: number, detail: string, model: string, callId?: string): OpenAIEngineError {
  const said = detail ? `: ${detail}` : '';
  if (status === 404 && callId !== undefined) {
    return new OpenAIEngineError('call_not_found', `OpenAI Realtime has no live call '${callId}' (HTTP 404)${said}. The call has ended, or the id is wrong: it is the last segment of the Location header of POST /v1/realtime/calls, or data.call_id of a realtime.call.incoming webhook.`, { status, retriable: false });
  }
  if (status === 401 || status === 403) {
    return new OpenAIEngineError('upstream_auth_failed', `OpenAI Realtime refused the API key (HTTP ${status})${said}. Check OPENAI_API_KEY, and OPENAI_BASE_URL if you point at a proxy.`, { status, retriable: false });
  }
  if (status === 404) {
    return new OpenAIEngineError('upstream_not_found', `OpenAI Realtime answered HTTP 404${said}. Check the model name '${model}' and that OPENAI_BASE_URL ends with the API root (e.g. https://api.openai.com/v1).`, { status, retriable: false });
  }
  if (status === 429) {
    return new OpenAIEngineError('upstream_rate_limited', `OpenAI Realtime is rate limiting this key (HTTP 429)${said}. Wait, or raise the project's limits.`, { status });
  }
  // Other 4xx describe the request itself: retrying the same request won't change the answer.
  const retriable = status >= 500 || status === 408;
  return new OpenAIEngineError('upstream_refused', `OpenAI Realtime refused the connection (HTTP ${status})${said}.${retriable ? ' The service may be having trouble; it is retried.' : ''}`, { status, retriable });
}
