import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { CallAudioMeter } from '../../observability/audio-meter.js';
import type { ClientEvent, ServerEvent } from '../../protocol/schemas/index.js';
import { AGENT_END_REASONS } from '../../session/agent-runtime.js';
import type { RealtimeSession, SessionEnd } from '../../session/realtime-session.js';
import { announcedSession, interruptsResponses, noteAnnouncement } from '../event-channel.js';
import { Playout, type FrameFormat } from '../playout/playout.js';
import { Truncations } from '../playout/truncations.js';
import { asBuffer, closeReason } from '../realtime-ws/connection.js';
import type { CallControl } from './call-control.js';
import { DigitCollector } from './dtmf.js';
import { InboundStream } from './inbound.js';
import { MarkLedger } from './marks.js';
import { parseTwilioMessage, type ParleyMessage, type StartMessage } from './messages.js';
import { callOutcome } from './outcome.js';

/** µ-law frames of 20 ms; padding is µ-law silence. */
const ULAW_FRAMES: FrameFormat<Uint8Array> = { frameSamples: 160, sampleRate: 8000, silence: (n) => new Uint8Array(n).fill(0xff) };
/**
 * Outbound audio leaves at real time, 80 ms ahead of its play time: enough to ride out
 * network jitter to Twilio, little enough that a barge-in has almost nothing queued to discard.
 */
const TWILIO_PACER = { frameMs: 20, leadMs: 80 };
/** A goodbye is heard out (its last mark echoed) before the call is hung up, for at most this long. */
const GOODBYE_DRAIN_MS = 10_000;
/** No caller audio for this long: the line stalled; silence goes in so a turn can end. */
const STALL_MS = 500;
const STALL_CHECK_MS = 100;
/** After a REST hang-up or transfer, Twilio stops the stream; if it has not after this long, Parley closes it. */
const REST_STOP_WAIT_MS = 5000;
/** Twilio's messages are a few hundred bytes; anything this big is not one. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface PhoneCallIdentity {
  callSid: string;
  accountSid: string;
  from: string;
  to: string;
}

export interface TwilioCallOptions {
  call: PhoneCallIdentity;
  logger: Logger;
  control: CallControl;
  /** Where `transfer_to_human` connects the caller; null = nobody. */
  transferTo: string | null;
  /** What Parley did with the call (hang-up, transfer), for the call's record. */
  record: (event: string, detail: Record<string, string>) => void;
  /** Once, when the call is over. */
  onEnded: () => void;
  /** Where late and lost frames are counted; absent = not counted. */
  audio?: CallAudioMeter | undefined;
}

export interface TwilioCallStats {
  inFrames: number;
  lateFrames: number;
  filledMs: number;
  outFrames: number;
  marksAcknowledged: number;
  clears: number;
  dtmf: number;
  badMessages: number;
}

/**
 * One phone call bound to its session. The caller's µ-law goes to the engine untouched (gaps
 * filled with silence); the agent's µ-law goes to Twilio in 20 ms frames at real time, each
 * followed by a named mark, so Parley knows what the caller has actually heard. When the
 * caller speaks over the agent, Twilio's queue is cleared and the agent's item is truncated at
 * the last acknowledged mark. Keypad entries reach the agent as text. When the session ends,
 * a goodbye is heard out, then the call is hung up or transferred.
 *
 * The session starts with the webhook, before the stream exists: the greeting waits in the
 * playout buffer and goes out as soon as Twilio's `start` arrives.
 */
export class TwilioCall {
  private session: RealtimeSession | null = null;
  private socket: WebSocket | null = null;
  private streamSid: string | null = null;
  private readonly playout: Playout<Uint8Array>;
  private readonly marks = new MarkLedger();
  private readonly inbound: InboundStream;
  private readonly digits: DigitCollector;
  private readonly truncations: Truncations;
  private readonly log: Logger;
  private ending: SessionEnd | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private warnedFormat = false;
  private readonly counts = { outFrames: 0, clears: 0, dtmf: 0, badMessages: 0 };
  /** Resolves when the call is fully over (stream closed, outcome carried out). */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(private readonly opts: TwilioCallOptions) {
    this.log = opts.logger;
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.playout = new Playout({ send: (frame) => this.sendFrame(frame.itemId, frame.audio), emit: () => undefined, meter: opts.audio?.outbound }, ULAW_FRAMES, TWILIO_PACER);
    this.inbound = new InboundStream((audio) => this.session?.send({ type: 'input_audio_buffer.append', audio } as ClientEvent), undefined, opts.audio?.inbound);
    this.digits = new DigitCollector((entry) => this.keypadEntry(entry));
    this.truncations = new Truncations((itemId, audioEndMs) => {
      if (this.ending) return;
      this.log.info({ item_id: itemId, audio_end_ms: audioEndMs }, 'barge-in: agent audio truncated at the last acknowledged mark');
      this.session?.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: audioEndMs } as ClientEvent);
    });
  }

  get stats(): TwilioCallStats {
    const { frames, late, filledMs } = this.inbound.stats;
    return { inFrames: frames, lateFrames: late, filledMs, marksAcknowledged: this.marks.acknowledged, ...this.counts };
  }

  /** Binds the session and starts it: the greeting is produced while Twilio opens the stream. */
  attach(session: RealtimeSession): void {
    this.session = session;
    session.onEvent((e) => this.fromSession(e));
    session.onEnd((end) => void this.close(end));
    session.start();
  }

  /** The media stream arrived and proved itself (token, call): audio flows both ways from now. */
  connect(socket: WebSocket, start: StartMessage): void {
    this.socket = socket;
    this.streamSid = start.streamSid;
    socket.on('close', (code) => this.hangUp(`caller hung up (stream closed, ${code})`));
    socket.on('error', (err) => this.log.warn({ err }, 'twilio media stream error'));
    this.stallTimer = setInterval(() => this.inbound.tick(STALL_MS, STALL_CHECK_MS), STALL_CHECK_MS);
    this.stallTimer.unref();
    if (this.ending) return void this.finish();
    this.playout.resume();
    this.log.info({ stream_sid: this.streamSid, call_sid: this.opts.call.callSid }, 'twilio media stream connected');
  }

  /** One frame from Twilio after `start`. Never throws: a bad message is logged and skipped. */
  receive(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.bad('a binary frame (Twilio sends JSON text)');
    const bytes = asBuffer(data);
    if (bytes.byteLength > MAX_MESSAGE_BYTES) return this.bad(`a ${bytes.byteLength}-byte message (the limit is ${MAX_MESSAGE_BYTES})`);
    const parsed = parseTwilioMessage(bytes.toString('utf8'));
    if (!parsed.ok) return this.bad(parsed.error);
    const m = parsed.message;
    switch (m.event) {
      case 'media':
        if (m.media.track !== 'inbound') return;
        return this.inbound.frame(Number(m.media.timestamp), m.media.payload, Buffer.byteLength(m.media.payload, 'base64'));
      case 'mark':
        this.marks.ack(m.mark.name);
        return;
      case 'dtmf':
        return this.keypad(m.dtmf.digit);
      case 'stop':
        return this.hangUp('caller hung up');
      default:
        return this.bad(`a second '${m.event}' message`);
    }
  }

  private bad(what: string): void {
    this.counts.badMessages++;
    // The first few are worth reading; a flood of them is worth a count.
    if (this.counts.badMessages <= 5) this.log.warn({ call_sid: this.opts.call.callSid, problem: what }, 'ignored an invalid media stream message');
  }

  private send(message: ParleyMessage): void {
    const s = this.socket;
    if (s && s.readyState === s.OPEN) s.send(JSON.stringify(message));
  }

  /** One 20 ms frame of agent audio, then its mark: the mark's echo proves the frame was played. */
  private sendFrame(itemId: string, audio: Uint8Array): void {
    const streamSid = this.streamSid;
    if (!streamSid) return;
    this.counts.outFrames++;
    this.send({ event: 'media', streamSid, media: { payload: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64') } });
    this.send({ event: 'mark', streamSid, mark: { name: this.marks.next(itemId, this.playout.sentMs(itemId)) } });
  }

  private fromSession(e: ServerEvent): void {
    const session = this.session!;
    noteAnnouncement(session, e);
    this.truncations.observe(e);
    switch (e.type) {
      case 'response.output_audio.delta': {
        if (this.ending) return;
        const format = (announcedSession(session)?.audio as { output?: { format?: { type?: string } } } | undefined)?.output?.format;
        if (format?.type !== 'audio/pcmu') return this.warnFormat();
        return this.playout.push(e.response_id, e.item_id, Buffer.from(e.delta, 'base64'));
      }
      case 'response.output_audio.done':
        return this.playout.itemDone(e.item_id);
      case 'response.done':
        return this.playout.responseDone(e.response.id);
      case 'input_audio_buffer.speech_started':
        if (interruptsResponses(session)) this.bargeIn();
        return;
      case 'error':
        this.log.warn({ error: e.error }, 'the engine reported an error during a phone call');
        return;
      default:
    }
  }

  /**
   * The caller spoke (or pressed a key) over the agent: Twilio's queue is cleared, and each
   * item cut off is truncated at what Twilio confirmed played — the last acknowledged mark.
   */
  private bargeIn(): boolean {
    if (!this.streamSid) return false;
    const cut = this.playout.clear();
    const items = new Set(cut?.items.map((i) => i.itemId) ?? []);
    for (const id of this.marks.discardAll()) items.add(id);
    if (items.size === 0) return false;
    this.send({ event: 'clear', streamSid: this.streamSid });
    this.counts.clears++;
    for (const id of items) this.truncations.truncate(id, this.marks.playedMs(id));
    return true;
  }

  private keypad(digit: string): void {
    this.counts.dtmf++;
    // A key pressed while the agent talks is the caller taking over: the agent stops.
    if (this.bargeIn()) this.session?.send({ type: 'response.cancel' } as ClientEvent);
    this.digits.press(digit);
  }

  /** A keypad entry reaches the agent as the caller's words, and the agent answers. */
  private keypadEntry(entry: string): void {
    if (this.ending || !this.session) return;
    this.log.info({ digits: entry.length }, 'keypad entry passed to the agent');
    this.session.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `Keypad: ${entry}` }] } } as ClientEvent);
    this.session.send({ type: 'response.create' } as ClientEvent);
  }

  private warnFormat(): void {
    if (this.warnedFormat) return;
    this.warnedFormat = true;
    this.log.warn("the session's output format is not audio/pcmu (a sideband changed it?); its audio cannot go to the phone and is dropped");
  }

  /** The caller's side is gone: the session ends, which closes the call. */
  private hangUp(reason: string): void {
    if (this.ending) return;
    if (this.session) void this.session.end({ reason, code: 1000 });
    else void this.close({ reason, code: 1000 });
  }

  /** Ends a call whose stream never came (the token expired) or whose session never opened. */
  abort(reason: string): Promise<void> {
    this.hangUp(reason);
    return this.closed;
  }

  /**
   * The session is over: a goodbye is heard out (its last mark echoed), then the call is hung
   * up or transferred — through the REST API, or by closing the stream so TwiML takes over.
   */
  private async close(end: SessionEnd): Promise<void> {
    if (this.ending) return;
    this.ending = end;
    this.opts.onEnded();
    this.digits.close();
    if (this.socket) await this.finish();
    else this.playout.close();
    this.resolveClosed();
  }

  private async finish(): Promise<void> {
    const end = this.ending!;
    const socket = this.socket!;
    const open = (): boolean => socket.readyState === socket.OPEN;
    if (AGENT_END_REASONS.has(end.reason) && open()) {
      await this.playout.drain(GOODBYE_DRAIN_MS);
      await this.marks.idle(GOODBYE_DRAIN_MS);
    }
    this.playout.close();
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (open()) {
      const outcome = callOutcome(end.reason, this.opts.transferTo);
      const viaRest = await this.opts.control.carryOut(this.opts.call.callSid, outcome);
      this.opts.record(outcome.kind, { via: viaRest ? 'rest' : 'twiml', reason: end.reason, ...(outcome.kind === 'transfer' ? { to: outcome.to } : {}) });
      this.log.info({ call_sid: this.opts.call.callSid, outcome: outcome.kind, via: viaRest ? 'rest' : 'twiml' }, 'call handed back to Twilio');
      if (viaRest) await closedOrAfter(socket, REST_STOP_WAIT_MS);
      if (open()) socket.close(1000, closeReason(end.reason));
    }
    this.log.info({ session_id: this.session?.id, reason: end.reason, stats: this.stats }, 'phone call closed');
  }
}

function closedOrAfter(socket: WebSocket, ms: number): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
