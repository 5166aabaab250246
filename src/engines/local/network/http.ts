import { DEFAULT_TIMEOUT_MS, type NetworkEndpoint } from './config.js';
import { displayUrl, NetworkProviderError, redact, type NetworkSlot } from './errors.js';

/**
 * What the network providers log (a pino logger fits): at debug level, the URL
 * without credentials, the status and the time of each request — never headers
 * or bodies. Failures are thrown, for the caller to log once.
 */
export interface NetworkLogger {
  debug(obj: object, msg: string): void;
}

const WHAT: Record<NetworkSlot, string> = { stt: 'transcription', llm: 'chat completions', tts: 'speech' };

/** Largest error body read to find the server's message. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * One request's cancellation: the caller's signal, `cancel()`, and a timer
 * that is re-armed at each stage (headers, every streamed piece). Abort
 * reasons are recorded, so a failure can be told apart as timeout or cancel.
 */
export class RequestControl {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private readonly unlink: () => void = () => undefined;
  timedOut = false;
  cancelled = false;

  constructor(
    private readonly timeoutMs: number,
    external?: AbortSignal,
  ) {
    if (external?.aborted) this.cancel();
    else if (external) {
      const forward = (): void => this.cancel();
      external.addEventListener('abort', forward, { once: true });
      this.unlink = () => external.removeEventListener('abort', forward);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts (or restarts) the timeout for the next stage. */
  arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error('timed out'));
    }, this.timeoutMs);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  cancel(): void {
    if (this.controller.signal.aborted) return;
    this.cancelled = true;
    this.controller.abort(new Error('cancelled'));
  }

  /** Ends the request for good: the connection is closed if still open. */
  dispose(): void {
    this.disarm();
    this.unlink();
    if (!this.controller.signal.aborted) this.controller.abort(new Error('request finished'));
  }
}

/** An OpenAI-compatible endpoint for one slot: URLs, headers, and errors that never carry the key. */
export class EndpointClient {
  readonly timeoutMs: number;

  constructor(
    readonly slot: NetworkSlot,
    readonly endpoint: NetworkEndpoint,
    private readonly logger?: NetworkLogger,
  ) {
    this.timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${this.timeoutMs}`);
  }

  url(path: string): string {
    return `${this.endpoint.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { ...extra };
    if (this.endpoint.apiKey) h.authorization = `Bearer ${this.endpoint.apiKey}`;
    return h;
  }

  /**
   * POSTs and resolves with a 2xx response (its body not yet read; the timer is
   * still armed for the caller's next stage). Anything else becomes a
   * NetworkProviderError: `<slot>_http_error` with the status and the server's
   * message, `<slot>_timeout`, `<slot>_cancelled` or `<slot>_network_error`.
   */
  async post(path: string, body: string | FormData, control: RequestControl, contentType?: string): Promise<Response> {
    const url = this.url(path);
    const started = performance.now();
    control.arm();
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: this.headers(contentType ? { 'content-type': contentType } : {}),
        body,
        signal: control.signal,
      });
    } catch (err) {
      throw this.failure(err, control, 'before the server answered');
    }
    this.logger?.debug({ slot: this.slot, url: displayUrl(url), status: res.status, ms: Math.round(performance.now() - started) }, `${WHAT[this.slot]} request answered`);
    if (res.ok) return res;
    let text = '';
    try {
      text = await readLimited(res, MAX_ERROR_BODY);
    } catch (err) {
      if (control.timedOut || control.cancelled) throw this.failure(err, control, 'while reading the error');
    }
    const detail = errorMessageOf(text);
    const message = `${WHAT[this.slot]} request to ${displayUrl(url)} failed with HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${detail ? `: ${this.redact(detail)}` : ''}`;
    throw new NetworkProviderError(this.slot, 'http_error', message, { status: res.status });
  }

  /** Turns a fetch or stream failure into the error callers see. */
  failure(err: unknown, control: RequestControl, when: string): NetworkProviderError {
    if (err instanceof NetworkProviderError) return err;
    const url = displayUrl(this.url(''));
    if (control.timedOut) {
      return new NetworkProviderError(this.slot, 'timeout', `${WHAT[this.slot]} request to ${url} timed out after ${this.timeoutMs} ms ${when}`);
    }
    if (control.cancelled) return new NetworkProviderError(this.slot, 'cancelled', `${WHAT[this.slot]} request was cancelled`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = this.redact(cause?.code ?? cause?.message ?? (err as Error).message ?? String(err));
    return new NetworkProviderError(this.slot, 'network_error', `${WHAT[this.slot]} request to ${url} failed ${when}: ${reason}`, {
      cause: cause ? { code: cause.code, message: cause.message === undefined ? undefined : this.redact(cause.message) } : undefined,
    });
  }

  badResponse(detail: string): NetworkProviderError {
    return new NetworkProviderError(this.slot, 'bad_response', `${WHAT[this.slot]} server at ${displayUrl(this.url(''))} sent an unexpected answer: ${this.redact(detail)}`);
  }

  redact(text: string): string {
    return redact(text, this.endpoint.apiKey);
  }
}

/** The body as text, at most `max` bytes of it. */
async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8');
}

/** The server's own error text: OpenAI's `{error: {message}}`, `{error: "…"}`, FastAPI's `{detail}`, or the body itself. */
export function errorMessageOf(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const json = JSON.parse(text) as { error?: unknown; detail?: unknown; message?: unknown };
    const e = json.error;
    if (typeof e === 'string') return e;
    if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof json.detail === 'string') return json.detail;
    if (json.detail !== undefined) return JSON.stringify(json.detail).slice(0, 500);
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: quote the text
  }
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}
