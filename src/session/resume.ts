import type { AgentRegistry } from '../agents/index.js';
import type { Config } from '../config/schema.js';
import type { SessionDetail, RecordStore } from '../store/types.js';
import { NODE_NAME } from '../protocol/ids.js';
import { AGENT_END_REASONS } from './agent-runtime.js';

/** `sess_` + random, or `sess_<node>_` + random from a named node (PARLEY_NODE_ID). */
export const SESSION_ID = new RegExp(`^sess_(?:${NODE_NAME}_)?[A-Za-z0-9]{1,64}$`);

/** What a caller id may be (`?caller_id=`, `caller_id` of POST /api/session): ids, phone numbers, emails. */
export const CALLER_ID = /^[A-Za-z0-9+_.:@-]{1,128}$/;
export const CALLER_ID_RULE = 'caller_id must be 1–128 characters: letters, digits and + _ . : @ -';

export interface ResumeRequest {
  sessionId: string;
  /** `?caller_id=` of the reconnect: must be the session's own. */
  callerId: string | undefined;
  /** `?agent=` of the reconnect, if any: must be the session's own. */
  agent: string | undefined;
  windowMs: number;
  /** The agent's longest session, in ms: a resume does not restart the clock. */
  maxDurationMs: (agent: string) => number | undefined;
  now?: number;
}

export type ResumeCheck = { ok: true; detail: SessionDetail } | { ok: false; status: number; code: string; message: string };

const no = (status: number, code: string, message: string): ResumeCheck => ({ ok: false, status, code, message });

/**
 * May this reconnect resume that session? Only its own caller, with its own agent, within the
 * resume window after a dropped connection, and not after the agent ended it (a goodbye, a
 * limit): a resume continues a call, it does not reopen a finished one or reset its caps.
 */
export async function checkResume(records: RecordStore, req: ResumeRequest): Promise<ResumeCheck> {
  if (!SESSION_ID.test(req.sessionId)) return no(400, 'invalid_value', 'session_id must be a Parley session id (sess_…), as in session.created.');
  const detail = await records.session(req.sessionId);
  if (!detail) return no(404, 'session_not_found', `No session '${req.sessionId}'. Open a new session without session_id.`);
  if ((req.callerId ?? null) !== detail.callerId) return no(403, 'caller_mismatch', 'This session belongs to another caller; reconnect with the caller_id it started with.');
  if (req.agent !== undefined && req.agent !== detail.agent) return no(400, 'agent_mismatch', `Session '${detail.id}' runs agent '${detail.agent}', not '${req.agent}'; omit ?agent= when resuming.`);
  if (detail.endReason && AGENT_END_REASONS.has(detail.endReason)) return no(410, 'session_ended', `Session '${detail.id}' was ended by the agent (${detail.endReason}); open a new session.`);
  const now = req.now ?? Date.now();
  if (detail.endedAt && now - Date.parse(detail.endedAt) > req.windowMs) return no(410, 'session_expired', `Session '${detail.id}' ended more than ${Math.round(req.windowMs / 1000)} s ago and can no longer be resumed; open a new session.`);
  const max = req.maxDurationMs(detail.agent);
  if (max !== undefined && max > 0 && now - Date.parse(detail.startedAt) >= max) return no(410, 'session_expired', `Session '${detail.id}' has reached its agent's maximum duration; open a new session.`);
  return { ok: true, detail };
}

/** `checkResume` with this server's resume window and its agents' longest sessions. */
export function checkResumeHere(here: { records: RecordStore; config: Config; agents: AgentRegistry }, ask: Pick<ResumeRequest, 'sessionId' | 'callerId' | 'agent'>): Promise<ResumeCheck> {
  return checkResume(here.records, {
    ...ask,
    windowMs: here.config.server.resumeWindowMs,
    maxDurationMs: (name) => (here.agents.get(name)?.limits.maxDurationS ?? 0) * 1000,
  });
}
