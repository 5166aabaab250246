import type { Logger } from 'pino';
import type { RTCPeerConnection } from 'werift';
import { bytesToPcm16, pcm16ToBytes } from '../../audio/index.js';
import { serverEvent } from '../../conversation/events.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { CallAudioMeter } from '../../observability/audio-meter.js';
import type { ClientEvent, ServerEvent } from '../../protocol/schemas/index.js';
import { AGENT_END_REASONS } from '../../session/agent-runtime.js';
import type { RealtimeSession, SessionEnd } from '../../session/realtime-session.js';
import { announcedSession, EventChannel, interruptsResponses, noteAnnouncement } from '../event-channel.js';
import { Truncations } from '../playout/truncations.js';
import { EventsLink } from './events-link.js';
import { CallMedia } from './media.js';
import { PCM24K_FRAMES, Playout, type Cut } from '../playout/playout.js';

/** How long the caller has to complete ICE and DTLS after getting the answer. */
const CONNECT_TIMEOUT_MS = 20_000;
/** A connection that drops this long (ICE `disconnected`) without coming back is over. */
const DISCONNECTED_GRACE_MS = 10_000;
/** A caller whose audio stopped arriving this long is gone (browsers send RTP, silence too, while a track lives). */
const MEDIA_TIMEOUT_MS = 15_000;
/** A goodbye is heard out before the call closes, for at most this long. */
const GOODBYE_DRAIN_MS = 10_000;
export interface WebRtcCallOptions {
  pc: RTCPeerConnection;
  /** The data channel's largest message the caller accepts (its SDP's a=max-message-size; 0 = any). */
  maxSendBytes: number;
  maxMessageBytes: number;
  messagesPerSecond: number;
  logger: Logger;
  /** `audio.output.voice` the caller chose (multipart `session`), applied when the session starts. */
  voice?: string;
  /** Once, when the call ends (before its media is torn down): the admission place goes back. */
  onEnded: () => void;
  /** Where late and lost frames are counted; absent = not counted. */
  audio?: CallAudioMeter | undefined;
}

const isPcm24k = (format: unknown): boolean => {
  const f = format as { type?: string; rate?: number } | undefined;
  return f === undefined || (f.type === 'audio/pcm' && (f.rate === undefined || f.rate === 24000));
};

/**
 * One WebRTC call bound to its session: the caller's Opus in → `input_audio_buffer.append`; the
 * agent's audio out through the server-owned playout buffer (real-time pacing, barge-in
 * truncation, `output_audio_buffer.*`); every other event as JSON on the `oai-events` data
 * channel, validated exactly as on the WebSocket. The session starts when media connects.
 * Either side ending ends both: the session's end closes the peer connection; the peer
 * connection failing or closing, or the data channel closing, ends the session.
 */
export class WebRtcCall {
  private readonly pc: RTCPeerConnection;
  private readonly media: CallMedia;
  private readonly playout: Playout;
  private readonly events: EventChannel;
  private readonly log: Logger;
  private session: RealtimeSession | null = null;
  private readonly link: EventsLink;
  private started = false;
  private ending: SessionEnd | null = null;
  private closed = false;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private warnedFormat = false;
  private voiceApplied = false;
  private lastPacketAt = 0;
  private readonly truncations = new Truncations((itemId, audioEndMs) => {
    if (!this.ending) this.session?.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: audioEndMs } as ClientEvent);
  });

  constructor(private readonly opts: WebRtcCallOptions) {
    this.pc = opts.pc;
    this.log = opts.logger;
    this.events = new EventChannel({
      dialect: 'ga',
      maxMessageBytes: opts.maxMessageBytes,
      messagesPerSecond: opts.messagesPerSecond,
      logger: opts.logger,
      send: (text) => this.link.send(text),
      // Open until closed: a goodbye's `output_audio_buffer.stopped` goes out while the call drains.
      isOpen: () => !this.closed,
      onFlood: (reason) => this.hangUp(reason),
    });
    this.media = new CallMedia(this.pc, {
      onAudio: (pcm) => this.fromCaller(pcm),
      onPacket: () => this.heard(),
      onError: (err) => this.log.warn({ err }, 'webrtc media error'),
      audio: opts.audio,
    });
    this.playout = new Playout({ send: (frame, spurtStart) => this.media.send(frame, spurtStart), emit: (e) => this.events.deliver(e), meter: opts.audio?.outbound }, PCM24K_FRAMES);
    this.link = new EventsLink({
      maxSendBytes: opts.maxSendBytes,
      logger: opts.logger,
      onMessage: (data, isBinary) => this.events.receive(data, isBinary),
      onClosed: () => this.hangUp('client closed (data channel closed)'),
    });
    this.pc.onDataChannel.subscribe((channel) => this.link.adopt(channel));
    this.pc.connectionStateChange.subscribe((state) => this.onConnectionState(state));
    this.arm('connect', CONNECT_TIMEOUT_MS, () => this.hangUp(`client never connected (ICE/DTLS did not complete within ${CONNECT_TIMEOUT_MS / 1000} s)`));
  }

  /** Binds the session (registered, not started): it starts once media connects. */
  attach(session: RealtimeSession): void {
    this.session = session;
    session.onEvent((e) => this.fromSession(e));
    session.onEnd((end) => void this.close(end));
    this.events.bind((e) => this.fromClient(e));
    if (this.pc.connectionState === 'connected') this.start();
  }

  /** Media and the data channel's transport are up: the session begins (`session.created` first). */
  private start(): void {
    const session = this.session;
    if (this.started || !session || this.ending) return;
    this.started = true;
    this.disarm('connect');
    this.log.info({ session_id: session.id }, 'webrtc call connected; session starts');
    session.start();
    this.playout.resume();
  }

  private onConnectionState(state: string): void {
    if (state === 'connected') {
      this.disarm('disconnected');
      return this.start();
    }
    if (state === 'disconnected') return this.arm('disconnected', DISCONNECTED_GRACE_MS, () => this.hangUp('client closed (connection lost)'));
    if (state === 'failed' || state === 'closed') this.hangUp(`client closed (peer connection ${state})`);
  }

  /**
   * A packet from the caller. One timer watches for them stopping (not one per packet): when it
   * fires it looks at when the last one came.
   */
  private heard(): void {
    this.lastPacketAt = performance.now();
    if (this.timers.has('media')) return;
    const check = (): void => {
      const silentMs = performance.now() - this.lastPacketAt;
      if (silentMs >= MEDIA_TIMEOUT_MS) return this.hangUp(`client closed (no audio for ${MEDIA_TIMEOUT_MS / 1000} s)`);
      this.arm('media', MEDIA_TIMEOUT_MS - silentMs, check);
    };
    this.arm('media', MEDIA_TIMEOUT_MS, check);
  }

  private fromCaller(pcm: Int16Array): void {
    if (!this.started || this.ending || !this.session) return;
    this.session.send({ type: 'input_audio_buffer.append', audio: pcm16ToBytes(pcm).toString('base64') } as ClientEvent);
  }

  /** A valid client event from the data channel: most go to the session; some are the transport's. */
  private fromClient(e: ClientEvent): void {
    const session = this.session;
    if (!session) return;
    switch (e.type) {
      case 'output_audio_buffer.clear':
        return this.clearPlayout(true);
      case 'input_audio_buffer.append':
        return this.events.fail(new ProtocolError(ErrorCode.unsupported, 'Over WebRTC the caller\'s audio travels on the media track; input_audio_buffer.append is not accepted on the data channel.', 'type'), e.event_id ?? null);
      case 'session.update': {
        const audio = (e.session as { audio?: { input?: { format?: unknown }; output?: { format?: unknown } } }).audio;
        const bad = !isPcm24k(audio?.input?.format) ? 'input' : !isPcm24k(audio?.output?.format) ? 'output' : null;
        if (bad) {
          return this.events.fail(new ProtocolError(ErrorCode.invalidValue, `Over WebRTC, audio is Opus on the media track (PCM16 at 24 kHz inside the session); session.audio.${bad}.format cannot be changed.`, `session.audio.${bad}.format`), e.event_id ?? null);
        }
        return session.send(e);
      }
      default:
        return session.send(e);
    }
  }

  private fromSession(e: ServerEvent): void {
    const session = this.session!;
    noteAnnouncement(session, e);
    this.truncations.observe(e);
    switch (e.type) {
      case 'response.output_audio.delta':
        // Audio travels on the media track, never on the data channel.
        if (this.ending) return;
        if (!isPcm24k((announcedSession(session)?.audio as { output?: { format?: unknown } } | undefined)?.output?.format)) return this.warnFormat();
        return this.playout.push(e.response_id, e.item_id, bytesToPcm16(Buffer.from(e.delta, 'base64')));
      case 'response.output_audio.done':
        this.playout.itemDone(e.item_id);
        break;
      case 'response.done':
        this.playout.responseDone(e.response.id);
        break;
      default:
    }
    this.events.deliver(e);
    if (e.type === 'session.created' && this.opts.voice && !this.voiceApplied) {
      // The caller's voice, as the first client event, at once: an engine that announces the
      // session as it starts has it before the agent's greeting is asked for.
      this.voiceApplied = true;
      session.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: this.opts.voice } } } } as ClientEvent);
    }
    if (e.type === 'input_audio_buffer.speech_started' && interruptsResponses(session)) this.clearPlayout(false);
  }

  /**
   * Barge-in (the caller spoke) or the client's `output_audio_buffer.clear`: the queued audio is
   * dropped (`output_audio_buffer.cleared`) and the session truncates each cut item to what was
   * sent, so its context holds nothing the caller did not hear.
   */
  private clearPlayout(asked: boolean): void {
    const cut: Cut | null = this.playout.clear();
    if (!cut) {
      // The client asked: it hears so, even when nothing was playing.
      if (asked) this.events.deliver(serverEvent('output_audio_buffer.cleared', { response_id: '' }));
      return;
    }
    for (const { itemId, audioEndMs } of cut.items) this.truncations.truncate(itemId, audioEndMs);
    this.log.debug({ response_id: cut.responseId, items: cut.items }, asked ? 'playout cleared by the client' : 'barge-in: playout cleared');
  }

  private warnFormat(): void {
    if (this.warnedFormat) return;
    this.warnedFormat = true;
    this.log.warn('the session\'s output format is not PCM16 24 kHz (a sideband changed it?); its audio cannot be sent as Opus and is dropped');
  }

  /** Ends a call whose session never opened (the answer is not sent): closes everything, `onEnded` runs. */
  abort(reason: string): Promise<void> {
    return this.close({ reason, code: 1011 });
  }

  /** The caller side ended the call (or broke a rule): the session ends, which closes the call. */
  private hangUp(reason: string): void {
    if (this.ending) return;
    const session = this.session;
    if (session) void session.end({ reason, code: 1000 });
    else void this.close({ reason, code: 1000 });
  }

  /**
   * The session is over (`onEnded` runs, once): a goodbye (the agent ended the call) is heard
   * out first; then the data channel closes (the caller's side learns of it), the peer
   * connection closes, and the Opus handles and timers are freed.
   */
  private async close(end: SessionEnd): Promise<void> {
    if (this.ending) return;
    this.ending = end;
    // The session is over: its place may be taken (a resume on a new call) while this one winds down.
    this.opts.onEnded();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (AGENT_END_REASONS.has(end.reason)) await this.playout.drain(GOODBYE_DRAIN_MS);
    this.playout.close();
    this.media.close();
    try {
      await this.link.close();
      await this.pc.close();
    } catch (err) {
      this.log.warn({ err }, 'closing the peer connection failed');
    }
    this.closed = true;
    this.log.info({ session_id: this.session?.id, reason: end.reason, media: this.media.stats }, 'webrtc call closed');
  }

  private arm(name: string, ms: number, fn: () => void): void {
    if (this.ending) return;
    const old = this.timers.get(name);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(name);
      fn();
    }, ms);
    t.unref();
    this.timers.set(name, t);
  }

  private disarm(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }
}
