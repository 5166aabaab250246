/** The shapes of a simulated call: its options, how it ended, its events, and what REST reports. */
import type { ServerMessage } from './messages.js';
import type { StreamEnd } from './stream.js';
import type { FrameTicker } from './ticker.js';
import type { HttpMethod, Twiml } from './twiml.js';
import type { SimulatedCall } from './call.js';

export interface CallOptions {
  /** Parley's public URL (PUBLIC_URL), e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** The caller (default `+15550100001`). */
  from?: string;
  /** The number called (default `+15550100000`). */
  to?: string;
  /** Default: a fresh `CA…`. */
  callSid?: string;
  /** The number's voice webhook (default `{baseUrl}/twilio/voice`). */
  voiceUrl?: string;
  voiceMethod?: HttpMethod;
  /** The number's call-status callback (default `{baseUrl}/twilio/status`); null: none. */
  statusCallbackUrl?: string | null;
  /** More webhook parameters, e.g. `{ FromCity: 'Oakland', CallerName: 'Ada' }`. */
  extraParams?: Record<string, string>;
  /** Every valid message the application sends on the stream. */
  onMessage?: (msg: ServerMessage) => void;
  /** Notable moments (webhook answered, stream connected or closed, clears, TwiML run, REST, end). */
  onEvent?: (event: CallEvent) => void;
  /** Rewrites the `<Parameter>`s before they go into `start.customParameters` (forged or reused tokens). */
  tamper?: (customParameters: Record<string, string>) => Record<string, string>;
  /** false: the WebSocket upgrade carries no `X-Twilio-Signature`. */
  signUpgrade?: boolean;
  /** Signs only the WebSocket upgrade with this token (a forged upgrade after a valid webhook). */
  upgradeAuthToken?: string;
  /** Signs every request of this call (webhooks, upgrade, callbacks) with this token instead. */
  authTokenOverride?: string;
  /** Keep what the caller heard for `heard()` (default true; 8 KB per second of call). */
  record?: boolean;
}

export type EndedBy = 'caller' | 'server-closed' | 'rest-completed' | 'rest-twiml' | 'twiml';

export interface CallEnd {
  /**
   * `caller`: hangUp(); `rest-completed`: REST Status=completed; `rest-twiml`: TwiML sent over REST
   * ended the call; `server-closed`: the application closed the stream and the TwiML that followed
   * (the `<Connect action>` answer, or the verbs after `</Connect>`) ended it; `twiml`: the
   * webhook's TwiML ended the call without a stream.
   */
  by: EndedBy;
  /** Close code and reason of the last stream the application closed. */
  closeCode?: number;
  closeReason?: string;
  /** The TwiML that ended the call (for `server-closed`: the action URL's answer, when there was one). */
  twiml?: Twiml;
  /** The number of a `<Dial>` that ended the call. */
  transferredTo?: string;
  /** From the answer (webhook) to the end. */
  durationMs: number;
}

export type CallEventType = 'webhook' | 'stream-connected' | 'stream-closed' | 'clear' | 'twiml' | 'rest' | 'callback' | 'error' | 'ended';

export interface CallEvent {
  /** ms since the call was placed. */
  atMs: number;
  type: CallEventType;
  detail: string;
}

/** A second stream socket opened on purpose (replayed tokens and the like): connected + start, no media. */
export interface ExtraStream {
  streamSid: string;
  closed: Promise<StreamEnd>;
  /** Valid messages the application sent on it. */
  received: ServerMessage[];
  errors: string[];
  stop(): Promise<StreamEnd>;
}

/** What the REST API reports about a call. */
export interface CallSnapshot {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  status: 'ringing' | 'in-progress' | 'completed';
  createdAt: Date;
  startTime: Date | null;
  endTime: Date | null;
  durationS: number | null;
}

/** What a call needs from its network. */
export interface CallHost {
  accountSid: string;
  authToken: string;
  ticker: FrameTicker;
  release(call: SimulatedCall): void;
}
