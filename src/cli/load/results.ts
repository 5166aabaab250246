/** What one simulated caller went through: the figures the report aggregates. */
import { Samples } from './percentiles.js';

/**
 * Why a caller failed:
 * - `refused`: the server answered the connection (WebSocket upgrade, voice webhook, stream
 *   upgrade) with an HTTP error — a limit, a key, a full server;
 * - `setup_failed`: nothing usable came back — no connection (wrong URL, server down), no
 *   `session.created` or stream start within the timeout;
 * - `closed_early`: the server closed the session before the caller hung up;
 * - `error_event`: the server sent an `error` event (or a failed response) or broke the protocol;
 * - `no_answer`: no agent audio within the timeout after the caller's end of speech, or an answer
 *   that did not end within it.
 */
export type FailureReason = 'refused' | 'setup_failed' | 'closed_early' | 'error_event' | 'no_answer';

export const FAILURE_REASONS: readonly FailureReason[] = ['refused', 'setup_failed', 'closed_early', 'error_event', 'no_answer'];

export interface Failure {
  reason: FailureReason;
  detail: string;
}

/** One response of the agent, as the caller received it. */
export interface ResponseFigures {
  /** The server's response id (ws), or null (twilio: the stream carries no ids). */
  id: string | null;
  /** 20 ms frames of audio (by byte count; a short last one counts). */
  frames: number;
  audioMs: number;
  maxLatenessMs: number;
  /** What the agent said (ws: the audio transcript). */
  transcript?: string;
}

export interface TurnFigures {
  /** End of the caller's speech → the answer's first audio, ms (null: none, or it began before the caller had finished). */
  voiceToVoiceMs: number | null;
  /** The agent's audio began before the caller's speech had ended (its turn detection split the utterance). */
  answeredEarly: boolean;
  /** Length of the answer's audio, ms. */
  answerMs: number;
  responses: ResponseFigures[];
}

export interface CallerResult {
  index: number;
  ok: boolean;
  /** Still on the line when the run was stopped (--duration-s, Ctrl-C): neither ok nor failed. */
  cut: boolean;
  failures: Failure[];
  /** The server's session id, when known. */
  sessionId: string | null;
  /** Twilio: the simulated call's sid. */
  callSid?: string;
  setupMs: number | null;
  greetingMs: number | null;
  greeting: ResponseFigures | null;
  turns: TurnFigures[];
  /** Every 20 ms frame of agent audio received, all responses. */
  frames: number;
  /** Lateness of each of those frames, ms (not in the JSON: the report has the percentiles). */
  lateness: Samples;
  /** Silences a gap-filling player would have inserted in the agent's audio, ms each (PlayoutMeter). */
  gaps: Samples;
  /** Twilio: caller frames the simulator dropped because this process stalled. */
  framesLost?: number;
}

export function newResult(index: number): CallerResult {
  return { index, ok: false, cut: false, failures: [], sessionId: null, setupMs: null, greetingMs: null, greeting: null, turns: [], frames: 0, lateness: new Samples(), gaps: new Samples() };
}

/** Thrown inside a caller's script to end it with a failure. */
export class CallerFailure extends Error {
  constructor(readonly failure: Failure) {
    super(`${failure.reason}: ${failure.detail}`);
  }
}

/** Thrown inside a caller's script when the run is stopped (--duration-s, Ctrl-C). */
export class CallerStopped extends Error {}

/** What every simulated caller is given, whatever its transport. */
export interface CallerScript {
  index: number;
  /** Utterances to say, each answered before the next. */
  turns: number;
  timeoutMs: number;
  /** Silence before each utterance, ms. */
  pauseMs: number;
  stop: AbortSignal;
}

/**
 * Plays a caller's script and records how it ended: through (`ok`, until its own checks say
 * otherwise), cut short by the run's stop, or failed and why. Never throws.
 */
export async function playScript(result: CallerResult, script: () => Promise<void>): Promise<void> {
  try {
    await script();
    result.ok = true;
  } catch (err) {
    if (err instanceof CallerStopped) result.cut = true;
    else if (err instanceof CallerFailure) result.failures.push(err.failure);
    else result.failures.push({ reason: 'error_event', detail: `the load tool failed: ${(err as Error).stack ?? String(err)}` });
  }
}
