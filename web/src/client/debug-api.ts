import type { CallState } from './conversation-state.js';
import type { CallStats } from './transports/call-stats.js';

/** `window.parley`: what the page is doing, for tests and for curious people in the console. */
export interface ParleyDebug {
  state(): CallState;
  /** Every state the call has been in, in order. */
  states: CallState[];
  sessionId(): string | null;
  mode(): string | null;
  /** Types of the server events received (audio deltas excepted). */
  events: string[];
  stats(): Promise<CallStats | null>;
}

declare global {
  interface Window {
    parley: ParleyDebug;
  }
}
