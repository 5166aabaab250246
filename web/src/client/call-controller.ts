import { createSession, attachCall, secondsLeft, type SessionGrant } from './api.js';
import { openMicrophone } from './audio/microphone.js';
import { ConversationState, type CallState } from './conversation-state.js';
import { describeProblem, ServerProblem, type Problem } from './errors.js';
import type { RealtimeEvent } from './events.js';
import { Backoff } from './reconnect.js';
import { Transcript, type TranscriptEntry } from './transcript.js';
import type { Call, CallListener, CallMode, CallStats } from './transports/call.js';
import { WebRtcCall } from './transports/webrtc-call.js';
import { WebSocketCall } from './transports/websocket-call.js';

export type ModeChoice = 'auto' | CallMode;

export interface StartOptions {
  agent: string;
  voice?: string;
  mode: ModeChoice;
  pushToTalk: boolean;
}

export interface ControllerView {
  state(s: CallState): void;
  entry(e: TranscriptEntry): void;
  micRms(rms: number): void;
  problem(p: Problem | null): void;
  connected(info: { sessionId: string; mode: CallMode; reconnects: number }): void;
  /** Every server event but audio, for the event log. */
  event(e: RealtimeEvent): void;
}

/** A secret with less than this left is renewed before a reconnect. */
const RENEW_BEFORE_S = 5;

/**
 * One conversation from Start to Stop: the session's secret, a connection in the chosen mode,
 * and — when the line drops — reconnects with backoff that resume the same session.
 */
export class CallController {
  readonly conversation: ConversationState;
  readonly transcript: Transcript;
  private call: Call | null = null;
  private grant: SessionGrant | null = null;
  private microphone: MediaStream | null = null;
  private opts: StartOptions | null = null;
  private readonly backoff = new Backoff();
  private reconnects = 0;
  private stopped = true;
  private pttDown = false;
  private agentTurnDetection: unknown = undefined;
  private endedByAgent = false;

  constructor(
    private readonly view: ControllerView,
    private readonly player: HTMLAudioElement,
  ) {
    this.conversation = new ConversationState((s) => view.state(s));
    this.transcript = new Transcript((e) => view.entry(e));
  }

  get sessionId(): string | null {
    return this.grant?.session_id ?? null;
  }

  get mode(): CallMode | null {
    return this.call?.mode ?? null;
  }

  async start(opts: StartOptions): Promise<void> {
    this.opts = opts;
    this.stopped = false;
    this.endedByAgent = false;
    this.view.problem(null);
    this.conversation.signal('connect');
    try {
      this.microphone = await openMicrophone();
      this.grant = await createSession({ agent: opts.agent, ...(opts.voice ? { voice: opts.voice } : {}) });
      await this.connect();
    } catch (err) {
      this.fail(err);
    }
  }

  stop(): void {
    this.stopped = true;
    this.call?.close();
    this.call = null;
    for (const t of this.microphone?.getTracks() ?? []) t.stop();
    this.microphone = null;
    this.conversation.signal('end');
  }

  sendText(text: string): void {
    if (!this.call) return;
    // A typed turn interrupts the agent like a spoken one.
    this.call.interruptPlayback();
    this.call.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    this.call.send({ type: 'response.create' });
  }

  /** Push-to-talk on: the server stops detecting turns; the caller marks them. */
  setPushToTalk(on: boolean): void {
    if (!this.opts) return;
    this.opts.pushToTalk = on;
    this.applyTurnMode();
  }

  talkPressed(): void {
    if (!this.call || !this.opts?.pushToTalk || this.pttDown) return;
    this.pttDown = true;
    this.call.interruptPlayback();
    this.call.send({ type: 'response.cancel' });
    this.call.send({ type: 'input_audio_buffer.clear' });
    this.call.setMicOpen(true);
    this.conversation.event({ type: 'input_audio_buffer.speech_started' });
  }

  talkReleased(): void {
    if (!this.call || !this.pttDown) return;
    this.pttDown = false;
    this.call.setMicOpen(false);
    this.call.send({ type: 'input_audio_buffer.commit' });
    this.call.send({ type: 'response.create' });
  }

  async stats(): Promise<CallStats | null> {
    return this.call ? this.call.stats() : null;
  }

  private async connect(): Promise<void> {
    const grant = this.grant!;
    const listener: CallListener = {
      event: (e) => this.onEvent(e),
      signal: (s) => {
        this.conversation.signal(s);
        if (s === 'playback_started') this.transcript.audioHeard();
      },
      micRms: (rms) => this.view.micRms(rms),
      closed: (info) => this.onClosed(info),
    };
    const mode = this.pickMode(grant);
    const target = { url: this.urlFor(grant, mode), secret: grant.client_secret.value, microphone: this.microphone! };
    const call = mode === 'webrtc' ? await WebRtcCall.open(target, listener, this.player) : await WebSocketCall.open(target, listener);
    if (this.stopped) return call.close();
    this.call = call;
    // A direct OpenAI call: Parley attaches as its sideband to run the agent's tools and keep the record.
    if (call instanceof WebRtcCall && grant.connect.mode === 'direct' && this.reconnects === 0) await attachCall(call.callId, grant.session_token.value);
    this.applyTurnMode();
    this.backoff.reset();
    this.conversation.signal('open');
    this.view.connected({ sessionId: grant.session_id, mode, reconnects: this.reconnects });
  }

  private pickMode(grant: SessionGrant): CallMode {
    // OpenAI's ephemeral keys are for WebRTC; Parley's engines speak both.
    if (grant.connect.mode === 'direct') return 'webrtc';
    if (this.opts!.mode !== 'auto') return this.opts!.mode;
    return typeof RTCPeerConnection === 'function' ? 'webrtc' : 'websocket';
  }

  private urlFor(grant: SessionGrant, mode: CallMode): string {
    if (grant.connect.mode === 'direct') return grant.connect.url;
    const ws = new URL(grant.connect.url, location.href);
    if (mode === 'websocket') return ws.href;
    ws.protocol = ws.protocol === 'wss:' ? 'https:' : 'http:';
    ws.pathname = '/v1/realtime/calls';
    return ws.href;
  }

  private applyTurnMode(): void {
    if (!this.call || !this.opts) return;
    const ptt = this.opts.pushToTalk;
    this.call.setMicOpen(!ptt || this.pttDown);
    if (this.agentTurnDetection === undefined) return;
    const turnDetection = ptt ? null : this.agentTurnDetection;
    this.call.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: turnDetection } } } });
  }

  private onEvent(e: RealtimeEvent): void {
    if (e.type === 'session.created' && this.agentTurnDetection === undefined) {
      // The agent's own turn detection, restored when push-to-talk is switched off.
      const session = e.session as { audio?: { input?: { turn_detection?: unknown } } } | undefined;
      this.agentTurnDetection = session?.audio?.input?.turn_detection ?? { type: 'server_vad' };
      if (this.opts?.pushToTalk) this.applyTurnMode();
    }
    // WebRTC: the server starts the agent's audio on the track; the page hears it a jitter buffer later.
    if (e.type === 'output_audio_buffer.started') this.transcript.audioHeard();
    if (e.type === 'conversation.item.done' && (e.item as { name?: string } | undefined)?.name === 'end_call') this.endedByAgent = true;
    if (e.type === 'error') {
      const err = e.error as { code?: string; message?: string } | undefined;
      this.view.problem({ title: err?.message ?? 'The server reported an error.', hint: 'You can keep talking; if it repeats, press Stop and Start again.' });
    }
    this.conversation.event(e);
    this.transcript.event(e);
    this.view.event(e);
  }

  private onClosed(info: { ended: boolean; reason: string }): void {
    this.call = null;
    if (this.stopped) return;
    if (info.ended || this.endedByAgent) {
      this.stop();
      if (!this.endedByAgent && info.reason && !/^client closed|^caller hung up/.test(info.reason)) this.view.problem({ title: `The call ended: ${info.reason}.`, hint: 'Press Start to talk again.' });
      return;
    }
    this.conversation.signal('drop');
    void this.reconnect();
  }

  /** Tries again with backoff; each attempt resumes the same session. */
  private async reconnect(): Promise<void> {
    for (;;) {
      const delay = this.backoff.next();
      if (delay === null) return this.fail(new Error('The connection could not be restored.'));
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopped) return;
      try {
        const grant = this.grant!;
        if (grant.connect.mode === 'direct') return this.fail(new Error('The call to OpenAI dropped.'));
        if (secondsLeft(grant.session_token) < RENEW_BEFORE_S) this.grant = await createSession({ agent: grant.agent, sessionId: grant.session_id });
        else this.grant = { ...grant, client_secret: grant.session_token };
        this.reconnects++;
        await this.connect();
        return;
      } catch (err) {
        const p = describeProblem(err);
        // A refusal will not change by trying again; a network failure or a busy server may.
        if (!(err instanceof TypeError) && !(err instanceof ServerProblem && (err.status >= 500 || err.status === 429))) return this.fail(err);
        this.view.problem(p);
      }
    }
  }

  private fail(err: unknown): void {
    this.view.problem(describeProblem(err));
    this.stop();
  }
}
