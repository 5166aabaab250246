import type { RealtimeEvent } from './events.js';

/** What the person sees at a glance. */
export type CallState = 'idle' | 'connecting' | 'listening' | 'user_speaking' | 'thinking' | 'agent_speaking' | 'interrupted' | 'reconnecting' | 'ended';

export const STATE_LABEL: Record<CallState, string> = {
  idle: 'Ready',
  connecting: 'Connecting…',
  listening: 'Listening',
  user_speaking: 'You are speaking',
  thinking: 'Thinking…',
  agent_speaking: 'Agent speaking',
  interrupted: 'Interrupted',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
};

/** Signals that are not protocol events: the transport's own view of the line and of playback. */
export type LocalSignal = 'connect' | 'open' | 'playback_started' | 'playback_drained' | 'barge_in' | 'drop' | 'end';

/**
 * The call's state from what the server says and what the client plays. Agent speech is judged
 * by playback (what the person hears), not by when the server finished sending it.
 */
export class ConversationState {
  private current: CallState = 'idle';
  private responding = false;
  private playing = false;

  constructor(private readonly onChange: (s: CallState) => void = () => {}) {}

  get state(): CallState {
    return this.current;
  }

  event(e: RealtimeEvent): void {
    switch (e.type) {
      case 'session.created':
        return this.set('listening');
      case 'input_audio_buffer.speech_started':
        // Barge-in shows as "interrupted" only if the agent was actually heard speaking.
        return this.set(this.playing || this.current === 'agent_speaking' ? 'interrupted' : 'user_speaking');
      case 'input_audio_buffer.speech_stopped':
      case 'input_audio_buffer.committed':
        if (this.current === 'user_speaking' || this.current === 'interrupted') this.set('thinking');
        return;
      case 'response.created':
        this.responding = true;
        if (this.current !== 'user_speaking' && !this.playing) this.set('thinking');
        return;
      case 'output_audio_buffer.started':
        return this.signal('playback_started');
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        return this.signal('playback_drained');
      case 'response.done':
        this.responding = false;
        if (!this.playing && (this.current === 'thinking' || this.current === 'agent_speaking')) this.set('listening');
        return;
      default:
    }
  }

  signal(s: LocalSignal): void {
    switch (s) {
      case 'connect':
        return this.set('connecting');
      case 'open':
        return this.set('listening');
      case 'playback_started':
        this.playing = true;
        if (this.current !== 'user_speaking' && this.current !== 'interrupted') this.set('agent_speaking');
        return;
      case 'playback_drained':
        this.playing = false;
        if (this.current === 'agent_speaking') this.set(this.responding ? 'thinking' : 'listening');
        return;
      case 'barge_in':
        this.playing = false;
        return this.set('interrupted');
      case 'drop':
        this.playing = false;
        this.responding = false;
        return this.set('reconnecting');
      case 'end':
        this.playing = false;
        this.responding = false;
        return this.set('ended');
    }
  }

  private set(s: CallState): void {
    if (s === this.current || this.current === 'ended') return;
    this.current = s;
    this.onChange(s);
  }
}
