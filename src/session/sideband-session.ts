import type { Logger } from 'pino';
import type { Agent } from '../agents/index.js';
import { openAgentSession, type SessionServices } from './open-session.js';
import type { RealtimeSession } from './realtime-session.js';

export interface SidebandSessionRequest {
  agent: Agent;
  /** The call to attach to: the last segment of `Location` after `POST /v1/realtime/calls`, or `data.call_id` of a `realtime.call.incoming` webhook. */
  callId: string;
  /** Who is calling (phone number, user id), for records and memory; null = anonymous. */
  callerId: string | null;
  logger: Logger;
  /** The session's id when it was promised in advance (a session token names it). */
  sessionId?: string;
}

export type SidebandSessionErrorCode = 'sideband_needs_openai_engine' | 'invalid_call_id';

export class SidebandSessionError extends Error {
  constructor(
    readonly code: SidebandSessionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SidebandSessionError';
  }
}

/** OpenAI's call ids (`rtc_…`) and Parley's session ids (`sess_…`) are of this shape; anything else is a mistake, not a call. */
const CALL_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Runs an agent on a call the caller holds with the OpenAI Realtime API directly (WebRTC from a
 * browser, or SIP): the `openai` engine attaches to the call as its sideband
 * (`/v1/realtime?call_id=`), applies the agent's session, and the agent runtime does what it
 * does for every session — runs the server-side tools, records transcripts and usage, enforces
 * the duration and budget caps, and hangs the call up when it ends the session. There is no
 * caller transport: the caller's media never reaches Parley.
 *
 * The session is returned started. The caller of this function registers it in its
 * `SessionRegistry` (so shutdown ends it and a hangup can find it) and may watch it with
 * `onEvent` / `onEnd`; `end()` ends the session and hangs up the call.
 *
 * Throws `SidebandSessionError` (`sideband_needs_openai_engine`, `invalid_call_id`) before
 * anything is opened, and `SessionOpenError` as `openAgentSession` does (an unknown or ended
 * call: `engine_failed`, its message quoting the upstream's 404).
 */
export async function openSidebandSession(svc: SessionServices, req: SidebandSessionRequest): Promise<RealtimeSession> {
  const { agent } = req;
  const engine = agent.engine ?? svc.config.engine.default;
  if (engine !== 'openai') {
    throw new SidebandSessionError(
      'sideband_needs_openai_engine',
      `Agent '${agent.name}' runs on engine '${engine}', but attaching to a call needs the openai engine (the call lives on the OpenAI Realtime API): set "engine: openai" in the agent's file and OPENAI_API_KEY.`,
    );
  }
  if (!CALL_ID.test(req.callId)) throw new SidebandSessionError('invalid_call_id', `'${req.callId.slice(0, 40)}' is not a call id: expected letters, digits, _ and - (e.g. rtc_…), at most 128.`);
  const session = await openAgentSession(svc, { agent: req.agent, transport: 'sideband', callerId: req.callerId, logger: req.logger.child({ call_id: req.callId }), call: { id: req.callId }, ...(req.sessionId ? { sessionId: req.sessionId } : {}) });
  session.start();
  return session;
}
