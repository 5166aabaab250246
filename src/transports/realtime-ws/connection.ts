import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { serverEvent } from '../../conversation/events.js';
import { betaClientEventToGA, gaServerEventToBeta } from '../../protocol/beta/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { parseJson, validateClientEvent } from '../../protocol/parse.js';
import { MessageRate } from '../../server/limits/message-rate.js';
import type { ServerEvent, ServerEventOf } from '../../protocol/schemas/index.js';
import type { RealtimeSession, SessionEnd } from '../../session/realtime-session.js';

export type Dialect = 'ga' | 'beta';

/**
 * `caller`: the session's own connection; its close ends the session. `sideband`: a server
 * attached to the call (`?call_id=`): it sees every event but the audio deltas (those travel
 * on the media path) and sends like the caller, but its close leaves the session running.
 */
export type SocketRole = 'caller' | 'sideband';

export interface RealtimeSocketOptions {
  dialect: Dialect;
  maxFrameBytes: number;
  logger: Logger;
  /** Default `caller`. */
  role?: SocketRole;
  /** Messages per second this connection may send; over it, it is closed with 1008. Absent = unlimited. */
  messagesPerSecond?: number;
}

/** A session object as `session.created` / `session.updated` carry it. */
export type AnnouncedSession = ServerEventOf<'session.created'>['session'];

// RealtimeSession keeps no copy of its config, yet a sideband attaching mid-call needs it for its
// `session.created`. So the caller's socket notes what the session announced, for as long as the
// session lives.
const announced = new WeakMap<RealtimeSession, AnnouncedSession>();

/** The session config `session` last announced to its caller (undefined: it has no caller socket). */
export function announcedSession(session: RealtimeSession): AnnouncedSession | undefined {
  return announced.get(session);
}

function noteAnnouncement(session: RealtimeSession, e: ServerEvent): void {
  if (e.type === 'session.created' || e.type === 'session.updated') announced.set(session, e.session);
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
  private readonly role: SocketRole;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: RealtimeSocketOptions,
  ) {
    this.role = opts.role ?? 'caller';
    // Listen at once: frames may arrive before the engine is ready.
    const rate = opts.messagesPerSecond === undefined ? null : new MessageRate(opts.messagesPerSecond);
    socket.on('message', (data, isBinary) => {
      if (rate && !rate.take()) return this.overRate(rate.perSecond);
      if (this.session) this.receive(data, isBinary);
      else this.queue.push(data);
    });
    socket.on('error', (err) => opts.logger.warn({ err }, 'websocket error'));
  }

  /**
   * Binds the session; `first` (a sideband's `session.created`) goes out before anything else,
   * then queued frames are handled in order. A caller's socket closes with the session; a
   * sideband's owner closes it (`close`) when the session ends.
   */
  attach(session: RealtimeSession, first?: ServerEvent): void {
    this.session = session;
    if (first) this.deliver(first);
    if (this.role === 'sideband') {
      const off = session.onEvent((e) => {
        if (e.type !== 'response.output_audio.delta') this.deliver(e);
      });
      this.socket.on('close', () => off());
    } else {
      session.onEvent((e) => {
        noteAnnouncement(session, e);
        this.deliver(e);
      });
      session.onEnd((end) => this.close(end));
      this.socket.on('close', (code) => void session.end({ reason: `client closed (${code})`, code: 1000 }));
    }
    for (const data of this.queue.splice(0)) this.receive(data, false);
  }

  /** Closes the socket with the session's code and reason (if it is still open). */
  close({ code, reason }: SessionEnd): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, closeReason(reason));
  }

  /** A client that floods is told why, then closed: dropping some of its messages would lose audio or events silently. */
  private overRate(perSecond: number): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const message = `More than ${perSecond} messages in one second; send audio in larger chunks (20–100 ms each).`;
    this.deliver(serverEvent('error', { error: { type: 'invalid_request_error', code: 'rate_limited', message, param: null, event_id: null } }));
    this.socket.close(1008, closeReason(`rate_limited: ${message}`));
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
