import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { ServerEvent } from '../../protocol/schemas/index.js';
import type { RealtimeSession, SessionEnd } from '../../session/realtime-session.js';
import { EventChannel, noteAnnouncement, type Dialect } from '../event-channel.js';

export { announcedSession, type AnnouncedSession, type Dialect } from '../event-channel.js';

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

/** A ws message as one Buffer (a Buffer as it is, no copy). */
export const asBuffer = (data: RawData): Buffer => (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data);

/** Close reasons are limited to 123 bytes by RFC 6455. */
export const closeReason = (reason: string): string => Buffer.from(reason).subarray(0, 123).toString('utf8').replace(/\uFFFD$/, '');

/**
 * One `/v1/realtime` WebSocket: frames in and events out through an EventChannel (validation,
 * beta translation, limits, `error` events); this class adds what is WebSocket-specific: frames,
 * close codes, and how the socket's life is tied to the session's.
 */
export class RealtimeSocket {
  private readonly channel: EventChannel;
  private readonly role: SocketRole;

  constructor(
    private readonly socket: WebSocket,
    opts: RealtimeSocketOptions,
  ) {
    this.role = opts.role ?? 'caller';
    this.channel = new EventChannel({
      dialect: opts.dialect,
      maxMessageBytes: opts.maxFrameBytes,
      ...(opts.messagesPerSecond === undefined ? {} : { messagesPerSecond: opts.messagesPerSecond }),
      logger: opts.logger,
      send: (text) => socket.send(text),
      isOpen: () => socket.readyState === socket.OPEN,
      onFlood: (reason) => {
        if (socket.readyState === socket.OPEN) socket.close(1008, closeReason(reason));
      },
    });
    // Listen at once: frames may arrive before the engine is ready.
    socket.on('message', (data, isBinary) => this.channel.receive(asBuffer(data), isBinary));
    socket.on('error', (err) => opts.logger.warn({ err }, 'websocket error'));
  }

  /**
   * Binds the session; `first` (a sideband's `session.created`) goes out before anything else,
   * then queued frames are handled in order. A caller's socket closes with the session; a
   * sideband's owner closes it (`close`) when the session ends.
   */
  attach(session: RealtimeSession, first?: ServerEvent): void {
    if (first) this.channel.deliver(first);
    if (this.role === 'sideband') {
      const off = session.onEvent((e) => {
        if (e.type !== 'response.output_audio.delta') this.channel.deliver(e);
      });
      this.socket.on('close', () => off());
    } else {
      session.onEvent((e) => {
        noteAnnouncement(session, e);
        this.channel.deliver(e);
      });
      session.onEnd((end) => this.close(end));
      this.socket.on('close', (code) => void session.end({ reason: `client closed (${code})`, code: 1000 }));
    }
    this.channel.bind((event) => session.send(event));
  }

  /** Closes the socket with the session's code and reason (if it is still open). */
  close({ code, reason }: SessionEnd): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, closeReason(reason));
  }
}
