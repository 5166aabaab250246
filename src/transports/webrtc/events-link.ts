import type { Logger } from 'pino';
import type { RTCDataChannel } from 'werift';
import { serverEvent } from '../../conversation/events.js';
import { waitUntil } from '../../util/wait-until.js';

/** The data channel a Realtime client creates for JSON events. */
export const EVENTS_CHANNEL = 'oai-events';
/** Server events held until the channel opens. */
const MAX_PENDING = 2_000;
/** At the end: how long the last events may take to leave, and the close to reach the caller. */
const CLOSE_MS = 1_000;

export interface EventsLinkOptions {
  /** The largest message the caller accepts (its SDP's a=max-message-size; 0 = any). */
  maxSendBytes: number;
  logger: Logger;
  onMessage: (data: Buffer | string, isBinary: boolean) => void;
  /** The caller closed the channel. */
  onClosed: () => void;
}

/**
 * The call's `oai-events` data channel as a text pipe: messages in; JSON out, held until the
 * channel opens (the session may speak first), an event too big for the caller's SCTP stack
 * replaced by an `error` saying so; closed so the caller learns of it.
 */
export class EventsLink {
  private channel: RTCDataChannel | null = null;
  private readonly pending: string[] = [];
  private warnedPending = false;

  constructor(private readonly opts: EventsLinkOptions) {}

  /** A data channel the caller opened: the first `oai-events` one is the link; others are closed rather than left half-served. */
  adopt(channel: RTCDataChannel): void {
    if (channel.label !== EVENTS_CHANNEL || this.channel) {
      this.opts.logger.debug({ label: channel.label }, 'data channel ignored');
      return channel.close();
    }
    this.channel = channel;
    channel.onMessage.subscribe((data) => this.opts.onMessage(typeof data === 'string' ? data : Buffer.from(data), typeof data !== 'string'));
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') this.flush();
      if (state === 'closed') this.opts.onClosed();
    });
    if (channel.readyState === 'open') this.flush();
  }

  send(text: string): void {
    if (this.channel?.readyState === 'open') return this.sendNow(text);
    if (this.pending.length < MAX_PENDING) return void this.pending.push(text);
    if (!this.warnedPending) this.opts.logger.warn({ held: MAX_PENDING }, 'no events data channel open yet; further server events are dropped');
    this.warnedPending = true;
  }

  /**
   * Closes the channel so the caller learns the call is over: what is still buffered goes out
   * first (the last events, an `error` saying why), then the close — before the peer connection
   * goes, which would drop both.
   */
  async close(): Promise<void> {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') return;
    await waitUntil(() => channel.bufferedAmount === 0 || channel.readyState !== 'open', CLOSE_MS, 10);
    if (channel.readyState === 'open') channel.close();
    await waitUntil(() => channel.readyState === 'closed', CLOSE_MS, 10);
  }

  private flush(): void {
    for (const text of this.pending.splice(0)) this.sendNow(text);
  }

  private sendNow(text: string): void {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') return;
    const max = this.opts.maxSendBytes;
    const size = Buffer.byteLength(text);
    if (max > 0 && size > max) {
      const type = /^\{"type":"([^"]+)"/.exec(text)?.[1] ?? 'event';
      const message = `A ${type} event of ${size} bytes is larger than this data channel's max-message-size (${max} bytes) and was not sent; retrieve audio over a WebSocket sideband instead.`;
      text = JSON.stringify(serverEvent('error', { error: { type: 'invalid_request_error', code: 'event_too_large', message, param: null, event_id: null } }));
    }
    try {
      channel.send(text);
    } catch (err) {
      this.opts.logger.warn({ err }, 'data channel send failed');
    }
  }
}
