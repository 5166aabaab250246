import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { serverEvent } from '../../conversation/events.js';
import { betaClientEventToGA, gaServerEventToBeta } from '../../protocol/beta/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { parseJson, validateClientEvent } from '../../protocol/parse.js';
import type { ServerEvent } from '../../protocol/schemas/index.js';
import type { RealtimeSession } from '../../session/realtime-session.js';

export type Dialect = 'ga' | 'beta';

export interface RealtimeSocketOptions {
  dialect: Dialect;
  maxFrameBytes: number;
  logger: Logger;
}

const rawSize = (data: RawData): number =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data instanceof ArrayBuffer ? data.byteLength : data.byteLength;

const rawText = (data: RawData): string =>
  (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');

/** Close reasons are limited to 123 bytes by RFC 6455. */
export const closeReason = (reason: string): string => Buffer.from(reason).subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '');

/**
 * One `/v1/realtime` WebSocket: frames in → validated GA client events →
 * session; session events → (beta-translated) frames out. Every bad frame
 * gets an `error` event and the socket stays open.
 */
export class RealtimeSocket {
  private readonly queue: RawData[] = [];
  private session: RealtimeSession | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: RealtimeSocketOptions,
  ) {
    // Listen at once: frames may arrive before the engine is ready.
    socket.on('message', (data, isBinary) => (this.session ? this.receive(data, isBinary) : this.queue.push(data)));
    socket.on('error', (err) => opts.logger.warn({ err }, 'websocket error'));
  }

  /** Binds the session; queued frames are handled in order. */
  attach(session: RealtimeSession): void {
    this.session = session;
    session.onEvent((e) => this.deliver(e));
    session.onEnd(({ code, reason }) => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, closeReason(reason));
    });
    this.socket.on('close', (code) => void session.end({ reason: `client closed (${code})`, code: 1000 }));
    for (const data of this.queue.splice(0)) this.receive(data, false);
  }

  private receive(data: RawData, isBinary: boolean): void {
    const session = this.session;
    if (!session) return;
    const size = rawSize(data);
    if (size > this.opts.maxFrameBytes) {
      return this.fail(new ProtocolError(ErrorCode.frameTooLarge, `The message is ${size} bytes; at most ${this.opts.maxFrameBytes} bytes are accepted per message. Split audio into smaller appends.`, null));
    }
    if (isBinary) {
      return this.fail(new ProtocolError(ErrorCode.invalidEvent, 'Binary frames are not supported; send each event as a JSON text frame.', null));
    }
    const json = parseJson(rawText(data));
    if (!json.ok) return this.fail(json.error);
    const incoming = this.opts.dialect === 'beta' ? betaClientEventToGA(json.value) : { events: [json.value], warnings: [] };
    for (const w of incoming.warnings) this.opts.logger.debug({ warning: w }, 'beta event translated with a warning');
    for (const value of incoming.events) {
      const parsed = validateClientEvent(value);
      if (parsed.ok) session.send(parsed.event);
      else this.fail(parsed.error, parsed.eventId);
    }
  }

  private fail(error: ProtocolError, eventId: string | null = null): void {
    this.deliver(serverEvent('error', { error: { type: error.type, code: error.code, message: error.message, param: error.param, event_id: eventId } }));
  }

  private deliver(event: ServerEvent): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const out = this.opts.dialect === 'beta' ? gaServerEventToBeta(event as ServerEvent & Record<string, unknown>) : [event];
    for (const e of out) this.socket.send(JSON.stringify(e));
  }
}
