import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { redactKey } from './rest-client.js';
import { OpenAIEngineError, upgradeRefused } from './errors.js';

/** An upstream event as received: an object with a string `type`, not yet validated. */
export type UpstreamEvent = { type: string; [key: string]: unknown };

export interface UpstreamSocketOptions {
  url: string;
  headers: Record<string, string>;
  /** Which connection of the session this is: events of an older one are ignored by the engine. */
  generation: number;
  model: string;
  /** The call this socket is the sideband of (`?call_id=`), for a precise refusal. */
  callId?: string | undefined;
  apiKey: string;
  connectTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Sees every event as received (diagnostics, tests). */
  tap?: ((event: UpstreamEvent, info: { generation: number }) => void) | undefined;
}

export interface UpstreamCloseInfo {
  code: number;
  reason: string;
}

const MAX_ERROR_BODY_BYTES = 8 * 1024;

/**
 * One WebSocket to the OpenAI Realtime API. `open()` resolves with the upstream's
 * `session.created`; afterwards every event goes to `onEvent` and an unexpected end to
 * `onClose` (exactly once, never for a close asked for with `close()`). The owner swaps
 * the two handlers as the socket moves from being set up to serving the session.
 */
export class UpstreamSocket {
  readonly generation: number;
  onEvent: (event: UpstreamEvent) => void = () => {};
  onClose: (info: UpstreamCloseInfo) => void = () => {};
  private readonly ws: WebSocket;
  private readonly log: Logger;
  private opened: Promise<UpstreamEvent> | null = null;
  private closing = false;
  private ended = false;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: UpstreamSocketOptions) {
    this.generation = opts.generation;
    this.log = opts.logger.child({ upstream_generation: opts.generation });
    // No permessage-deflate: audio deltas are base64 noise that compresses badly and costs CPU per frame.
    this.ws = new WebSocket(opts.url, { headers: opts.headers, perMessageDeflate: false });
    // Always listen: an unhandled 'error' would crash the process.
    this.ws.on('error', (err) => this.log.debug({ err }, 'upstream socket error'));
  }

  get isOpen(): boolean {
    return !this.closing && !this.ended && this.ws.readyState === WebSocket.OPEN;
  }

  /** Resolves with the upstream's `session.created`; rejects with a coded `OpenAIEngineError`. */
  open(): Promise<UpstreamEvent> {
    this.opened ??= new Promise<UpstreamEvent>((resolve, reject) => {
      let settled = false;
      const fail = (err: OpenAIEngineError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.close(1000, 'set-up failed');
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new OpenAIEngineError('upstream_timeout', `OpenAI Realtime did not open a session within ${this.opts.connectTimeoutMs} ms; check the network path to OPENAI_BASE_URL.`)),
        this.opts.connectTimeoutMs,
      );
      this.ws.on('unexpected-response', (_req, res) => void this.readRefusal(res).then(fail));
      this.ws.on('error', (err: NodeJS.ErrnoException) => {
        if (this.ws.readyState !== WebSocket.OPEN) fail(new OpenAIEngineError('upstream_unreachable', `Could not reach OpenAI Realtime (${err.code ?? err.message}); check OPENAI_BASE_URL and the network.`, { cause: err }));
      });
      this.ws.on('open', () => this.startHeartbeat());
      this.ws.on('message', (data, isBinary) => {
        const event = this.decode(data, isBinary);
        if (!event) return;
        this.opts.tap?.(event, { generation: this.generation });
        if (settled) return this.onEvent(event);
        if (event.type === 'session.created') {
          settled = true;
          clearTimeout(timer);
          return resolve(event);
        }
        if (event.type === 'error') {
          const e = (event.error ?? {}) as { code?: string; message?: string };
          return fail(new OpenAIEngineError('upstream_error', `OpenAI Realtime sent an error instead of a session: ${this.redact(e.message ?? 'no message')} (${e.code ?? 'no code'}).`));
        }
        this.log.debug({ type: event.type }, 'upstream event before session.created ignored');
      });
      this.ws.on('close', (code, reason) => {
        this.stopHeartbeat();
        const info = { code, reason: reason.toString() };
        if (!settled) return fail(new OpenAIEngineError('upstream_closed', `OpenAI Realtime closed the connection before the session started (${describeClose(info)}).`));
        if (this.closing || this.ended) return;
        this.ended = true;
        this.onClose(info);
      });
    });
    return this.opened;
  }

  /** Sends one event; false when the socket can't take it (the close handler follows). */
  send(event: object): boolean {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(event));
      return true;
    } catch (err) {
      this.log.warn({ err }, 'could not send to the upstream');
      return false;
    }
  }

  /** Closes without telling `onClose`: the owner asked for it. */
  close(code = 1000, reason = 'closed'): void {
    if (this.closing) return;
    this.closing = true;
    this.stopHeartbeat();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason.slice(0, 120));
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private decode(data: WebSocket.RawData, isBinary: boolean): UpstreamEvent | null {
    if (isBinary) {
      this.log.warn('binary frame from the upstream ignored');
      return null;
    }
    try {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
      const value = JSON.parse(text) as unknown;
      if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') return value as UpstreamEvent;
    } catch {
      // fall through
    }
    this.log.warn('upstream frame that is not a JSON event ignored');
    return null;
  }

  /** The refusal as a coded error, quoting the server's own error text. */
  private async readRefusal(res: IncomingMessage): Promise<OpenAIEngineError> {
    const status = res.statusCode ?? 0;
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((resolve) => {
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY_BYTES) chunks.push(c);
        size += c.byteLength;
      });
      res.on('end', resolve);
      res.on('error', () => resolve());
      res.on('close', resolve);
    });
    return upgradeRefused(status, this.redact(errorText(Buffer.concat(chunks).toString('utf8'))), this.opts.model, this.opts.callId);
  }

  private redact(text: string): string {
    return redactKey(text, this.opts.apiKey);
  }

  /** A dead path (NAT timeout, cable pulled) sends no close: a missed pong ends the socket so reconnecting starts. */
  private startHeartbeat(): void {
    if (this.opts.heartbeatIntervalMs <= 0) return;
    let alive = true;
    this.ws.on('pong', () => (alive = true));
    this.heartbeat = setInterval(() => {
      if (!alive) {
        this.log.warn({ interval_ms: this.opts.heartbeatIntervalMs }, 'upstream missed a heartbeat; dropping the connection');
        return void this.ws.terminate();
      }
      alive = false;
      this.ws.ping();
    }, this.opts.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/** `{"error":{"message":…}}` → the message; other bodies trimmed. */
function errorText(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof json.error === 'string' ? json.error : (json.error?.message ?? json.message);
    if (typeof m === 'string') return m.slice(0, 300);
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 300);
}

export function describeClose(info: UpstreamCloseInfo): string {
  return info.reason ? `code ${info.code}: ${info.reason}` : `code ${info.code}`;
}
