import type { Logger } from 'pino';
import { serverEvent } from '../conversation/events.js';
import { betaClientEventToGA, gaServerEventToBeta } from '../protocol/beta/index.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { parseJson, validateClientEvent } from '../protocol/parse.js';
import type { ClientEvent, ServerEvent, ServerEventOf } from '../protocol/schemas/index.js';
import { MessageRate } from '../server/limits/message-rate.js';
import type { RealtimeSession } from '../session/realtime-session.js';

export type Dialect = 'ga' | 'beta';

/** A session object as `session.created` / `session.updated` carry it. */
export type AnnouncedSession = ServerEventOf<'session.created'>['session'];

// RealtimeSession keeps no copy of its config, yet a sideband attaching mid-call needs it for its
// `session.created` (and a WebRTC call for its turn detection). So the caller's channel notes
// what the session announced, for as long as the session lives.
const announced = new WeakMap<RealtimeSession, AnnouncedSession>();

/** The session config `session` last announced to its caller (undefined: it has no caller channel). */
export function announcedSession(session: RealtimeSession): AnnouncedSession | undefined {
  return announced.get(session);
}

/** Called by a caller's transport for every event its session emits. */
export function noteAnnouncement(session: RealtimeSession, e: ServerEvent): void {
  if (e.type === 'session.created' || e.type === 'session.updated') announced.set(session, e.session);
}

/** Whether the caller's speech cuts the agent off: turn detection that interrupts (the default) as last announced. */
export function interruptsResponses(session: RealtimeSession): boolean {
  const td = (announced.get(session)?.audio?.input as { turn_detection?: { interrupt_response?: boolean } | null } | undefined)?.turn_detection;
  return td?.interrupt_response !== false;
}

export interface EventChannelOptions {
  dialect: Dialect;
  /** Largest message accepted; larger ones get an `error` event. */
  maxMessageBytes: number;
  /** Messages per second the client may send on average (see MessageRate for bursts); over it, `onFlood` (after an `error` event). Absent = unlimited. */
  messagesPerSecond?: number;
  logger: Logger;
  /** Sends one text message to the client. */
  send: (text: string) => void;
  /** Whether messages can still be sent (the connection is open). */
  isOpen: () => boolean;
  /** The client sent too fast: the transport closes the connection; `message` says why. */
  onFlood: (message: string) => void;
}

/**
 * The transport-neutral half of a Realtime connection, shared by the WebSocket and the WebRTC
 * data channel: text messages in → size and rate limits → (beta translated) → validated GA
 * client events → the bound target (the session, or a transport that handles some itself);
 * server events → (beta translated) JSON out. Every bad message gets an `error` event and the
 * connection stays open. Messages that arrive before a target is bound wait, in order.
 */
export class EventChannel {
  private readonly queue: Array<{ data: Buffer | string; isBinary: boolean }> = [];
  private target: ((event: ClientEvent) => void) | null = null;
  private readonly rate: MessageRate | null;
  private flooded = false;

  constructor(private readonly opts: EventChannelOptions) {
    this.rate = opts.messagesPerSecond === undefined ? null : new MessageRate(opts.messagesPerSecond);
  }

  /** One message from the client. Never throws. */
  receive(data: Buffer | string, isBinary: boolean): void {
    if (this.flooded) return;
    if (this.rate && !this.rate.take()) return this.overRate(this.rate);
    if (this.target) this.handle(data, isBinary);
    else this.queue.push({ data, isBinary });
  }

  /** Where valid client events go from now on; queued messages are handled first, in order. */
  bind(target: (event: ClientEvent) => void): void {
    this.target = target;
    for (const { data, isBinary } of this.queue.splice(0)) this.handle(data, isBinary);
  }

  /** Sends a server event (translated to beta on a beta connection). Dropped when the connection is closed. */
  deliver(event: ServerEvent): void {
    if (!this.opts.isOpen()) return;
    const out = this.opts.dialect === 'beta' ? gaServerEventToBeta(event as ServerEvent & Record<string, unknown>) : [event];
    for (const e of out) this.opts.send(JSON.stringify(e));
  }

  /** Tells the client what was wrong with what it sent; the connection stays open. */
  fail(error: ProtocolError, eventId: string | null = null): void {
    this.deliver(serverEvent('error', { error: { type: error.type, code: error.code, message: error.message, param: error.param, event_id: eventId } }));
  }

  /** A client that floods is told why, then closed: dropping some of its messages would lose audio or events silently. */
  private overRate(rate: MessageRate): void {
    this.flooded = true;
    const message = `More than ${rate.perSecond} messages per second (bursts of up to ${rate.burst}); send audio in larger chunks (20–100 ms each).`;
    this.deliver(serverEvent('error', { error: { type: 'invalid_request_error', code: 'rate_limited', message, param: null, event_id: null } }));
    this.opts.onFlood(`rate_limited: ${message}`);
  }

  private handle(data: Buffer | string, isBinary: boolean): void {
    const target = this.target;
    if (!target) return;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (size > this.opts.maxMessageBytes) {
      return this.fail(new ProtocolError(ErrorCode.frameTooLarge, `The message is ${size} bytes; at most ${this.opts.maxMessageBytes} bytes are accepted per message. Split audio into smaller appends.`, null));
    }
    if (isBinary) {
      return this.fail(new ProtocolError(ErrorCode.invalidEvent, 'Binary messages are not supported; send each event as JSON text (a text frame on a WebSocket).', null));
    }
    const json = parseJson(typeof data === 'string' ? data : data.toString('utf8'));
    if (!json.ok) return this.fail(json.error);
    const incoming = this.opts.dialect === 'beta' ? betaClientEventToGA(json.value) : { events: [json.value], warnings: [] };
    for (const w of incoming.warnings) this.opts.logger.debug({ warning: w }, 'beta event translated with a warning');
    for (const value of incoming.events) {
      const parsed = validateClientEvent(value);
      if (parsed.ok) target(parsed.event);
      else this.fail(parsed.error, parsed.eventId);
    }
  }
}
