import type { ClientEvent, ServerEvent } from '../../protocol/schemas/index.js';
import type { Display } from './display.js';
import type { Player } from './player.js';

export interface ConversationOptions {
  display: Display;
  player: Player;
  /** Sends to the server; false when not connected. */
  send: (event: ClientEvent) => boolean;
  now?: () => number;
}

/** How a wait for the agent ended. */
export type Settled = 'settled' | 'timeout' | 'ended';

/** A tool call still waiting for its output this long is no longer waited for (a client-side tool nobody answers). */
const PENDING_CALL_MAX_MS = 30_000;

/**
 * The client's side of the conversation: shows what happens (states, transcripts, tool calls,
 * latency, errors), plays the agent's audio, handles barge-in (stop playback, truncate the item
 * at what was heard), and knows when the agent is done answering.
 */
export class Conversation {
  /** The server VAD's silence window (session.created), ms; null = manual turns. */
  vadSilenceMs: number | null = 500;
  /** Responses the server started: a turn that adds none got no answer. */
  responses = 0;
  /** Times the server heard speech start. */
  speechStarts = 0;
  private readonly now: () => number;
  private activeResponse: string | null = null;
  private userSpeaking = false;
  /** Function calls without an output yet: the agent is still answering. */
  private readonly pendingCalls = new Map<string, number>();
  private readonly callNames = new Map<string, string>();
  private readonly shownOutputs = new Set<string>();
  /** Items in the conversation (only those may be truncated; out-of-band ones are not there). */
  private readonly items = new Set<string>();
  private readonly interrupted = new Set<string>();
  private readonly shownAgent = new Set<string>();
  private lastActivity: number;
  private sessions = 0;
  /** When the current turn ended (speech stopped, text sent): latency is measured from here. */
  private turn: { at: number; transcriptMs: number | null; shown: boolean } | null = null;
  private endedWith: string | null = null;

  constructor(private readonly opts: ConversationOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.lastActivity = this.now();
  }

  get display(): Display {
    return this.opts.display;
  }

  /** Nothing in flight: no response, no audio playing, no tool running, nobody speaking. */
  get idle(): boolean {
    return this.activeResponse === null && !this.opts.player.playing && !this.toolRunning() && !this.userSpeaking;
  }

  /** The server has started the session (session.created). */
  get started(): boolean {
    return this.sessions > 0;
  }

  get ended(): boolean {
    return this.endedWith !== null;
  }

  handle(e: ServerEvent): void {
    if (e.type !== 'rate_limits.updated') this.lastActivity = this.now();
    const d = this.opts.display;
    switch (e.type) {
      case 'session.updated':
        this.noteTurnDetection(e.session);
        break;
      case 'session.created': {
        this.noteTurnDetection(e.session);
        if (this.sessions++ > 0) {
          // A resumed session: what was in flight on the old connection will not finish there.
          this.activeResponse = null;
          this.userSpeaking = false;
          this.pendingCalls.clear();
          d.notice(`resumed session ${e.session.id ?? ''}`.trim());
        } else if (e.session.id) d.notice(`session ${e.session.id}`);
        d.state(this.opts.player.playing ? 'agent speaking' : 'listening');
        break;
      }
      case 'input_audio_buffer.speech_started':
        this.speechStarts++;
        this.userSpeaking = true;
        if (this.opts.player.playing) this.bargeIn();
        d.state('you are speaking');
        break;
      case 'input_audio_buffer.speech_stopped':
        this.userSpeaking = false;
        this.startTurn();
        d.state('thinking');
        break;
      case 'conversation.item.added':
      case 'conversation.item.done': {
        const item = e.item;
        if (item.id) this.items.add(item.id);
        if (item.type === 'function_call_output' && !this.shownOutputs.has(item.call_id)) {
          this.shownOutputs.add(item.call_id);
          this.pendingCalls.delete(item.call_id);
          d.toolResult(this.callNames.get(item.call_id) ?? item.call_id, item.output);
        }
        break;
      }
      case 'conversation.item.input_audio_transcription.completed':
        if (this.turn && this.turn.transcriptMs === null) this.turn.transcriptMs = this.now() - this.turn.at;
        d.you(e.transcript.trim() || '(nothing recognised)');
        break;
      case 'conversation.item.input_audio_transcription.failed':
        d.error(`what you said could not be transcribed: ${e.error.message ?? e.error.code ?? 'no reason given'}`);
        break;
      case 'response.created':
        this.responses++;
        if (e.response.conversation_id !== null) this.activeResponse = e.response.id ?? 'response';
        if (!this.opts.player.playing) d.state('thinking');
        break;
      case 'response.output_audio.delta':
        this.opts.player.enqueue(e.item_id, Buffer.from(e.delta, 'base64'));
        break;
      case 'response.output_audio_transcript.done':
        this.showAgent(e.item_id, e.transcript);
        break;
      case 'response.output_text.done':
        this.showLatency();
        this.showAgent(e.item_id, e.text);
        break;
      case 'response.function_call_arguments.done':
        this.callNames.set(e.call_id, e.name);
        if (!this.shownOutputs.has(e.call_id)) this.pendingCalls.set(e.call_id, this.now());
        d.toolCall(e.name, e.arguments);
        break;
      case 'response.done': {
        if (e.response.id === this.activeResponse || e.response.conversation_id !== null) this.activeResponse = null;
        const error = e.response.status_details?.error;
        if (e.response.status === 'failed') d.error(`the agent's answer failed: ${error?.message ?? error?.code ?? 'no reason given'}`);
        this.settleState();
        break;
      }
      case 'conversation.item.truncated':
        d.notice(`interrupted: the agent was heard up to ${(e.audio_end_ms / 1000).toFixed(2)} s of its answer`);
        break;
      case 'error':
        d.error(`${e.error.message}${e.error.code ? ` (${e.error.code})` : ''}`);
        break;
      default:
    }
  }

  /** The player started or stopped: what the person hears decides the state. */
  playbackChanged(playing: boolean): void {
    this.lastActivity = this.now();
    if (playing) {
      this.showLatency();
      this.opts.display.state('agent speaking');
    }
    else this.settleState();
  }

  /**
   * Barge-in: stop playback at once, drop what was queued, and tell the server how much of each
   * cut item was heard, so its context holds nothing the caller missed. With server VAD the
   * server cancels the response itself; `cancel` is for push-to-talk, where nothing else would.
   */
  bargeIn(cancel = false): void {
    const cut = this.opts.player.interrupt();
    if (cut.length === 0 && !(cancel && this.activeResponse)) return;
    this.opts.display.state('interrupted');
    if (cancel && this.activeResponse) this.opts.send({ type: 'response.cancel' });
    for (const { itemId, audioEndMs } of cut) {
      this.interrupted.add(itemId);
      if (this.items.has(itemId)) this.opts.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });
    }
  }

  /** A turn was sent by the client (a text, or a push-to-talk commit): latency runs from now. */
  startTurn(): void {
    this.turn = { at: this.now(), transcriptMs: null, shown: false };
  }

  /** The session is over (shown by the caller). */
  end(reason: string): void {
    this.endedWith = reason;
  }

  /** Resolves once the agent has been idle for `quietMs`, or after `timeoutMs`, or when the session ends. */
  waitSettled(quietMs: number, timeoutMs: number): Promise<Settled> {
    const started = this.now();
    return new Promise((resolve) => {
      const check = (): void => {
        const now = this.now();
        if (this.ended) return resolve('ended');
        if (this.idle && now - this.lastActivity >= quietMs) return resolve('settled');
        if (now - started >= timeoutMs) return resolve('timeout');
        setTimeout(check, 50);
      };
      check();
    });
  }

  private noteTurnDetection(session: Extract<ServerEvent, { type: 'session.created' }>['session']): void {
    if (session.type !== 'realtime') return;
    const td = session.audio?.input?.turn_detection;
    this.vadSilenceMs = td ? ('silence_duration_ms' in td && typeof td.silence_duration_ms === 'number' ? td.silence_duration_ms : 500) : null;
  }

  private showAgent(itemId: string, text: string): void {
    if (this.shownAgent.has(itemId) || !text.trim()) return;
    this.shownAgent.add(itemId);
    this.opts.display.agent(text.trim(), this.interrupted.has(itemId));
  }

  /** The turn's latency as the caller lives it: from the end of their speech (the server's speech_stopped) or message to the transcript, and to the first audio heard (played, not just received). */
  private showLatency(): void {
    const t = this.turn;
    if (!t || t.shown) return;
    t.shown = true;
    this.opts.display.latency({ transcript: t.transcriptMs, 'first audio': this.now() - t.at });
  }

  private toolRunning(): boolean {
    const now = this.now();
    return [...this.pendingCalls.values()].some((since) => now - since < PENDING_CALL_MAX_MS);
  }

  private settleState(): void {
    if (this.idle && !this.ended) this.opts.display.state('listening');
  }
}
