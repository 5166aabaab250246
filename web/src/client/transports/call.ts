import type { LocalSignal } from '../conversation-state.js';
import type { RealtimeEvent } from '../events.js';
import type { CallStats } from './call-stats.js';

export type { CallStats } from './call-stats.js';

export type CallMode = 'webrtc' | 'websocket';

/** What a connection tells the page. */
export interface CallListener {
  /** Every server event but audio deltas. */
  event(e: RealtimeEvent): void;
  /** Playback as the person hears it. */
  signal(s: LocalSignal): void;
  /** The microphone's level (RMS, 0…1), about every 40–100 ms. */
  micRms(rms: number): void;
  /** The connection is gone. `ended`: the server ended the session on purpose (no reconnect). */
  closed(info: { ended: boolean; reason: string }): void;
}

/** One live connection to a session, WebRTC or WebSocket. A reconnect makes a new one. */
export interface Call {
  readonly mode: CallMode;
  send(e: RealtimeEvent): void;
  /** Push-to-talk: whether the microphone's audio goes to the server. */
  setMicOpen(open: boolean): void;
  /** Stops the agent's audio at once (the caller took the turn): truncates to what was heard. */
  interruptPlayback(): void;
  stats(): Promise<CallStats>;
  close(): void;
}

export interface CallTarget {
  /** Where to connect: Parley's ws(s)://…/v1/realtime, Parley's …/v1/realtime/calls, or OpenAI's calls URL. */
  url: string;
  /** The secret the server gave this page for the session. */
  secret: string;
  microphone: MediaStream;
}
