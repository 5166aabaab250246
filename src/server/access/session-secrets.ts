import type { Agent } from '../../agents/index.js';
import type { Principal } from '../../auth/principal.js';
import type { SessionTokens } from '../../auth/session-token.js';
import type { AgentSessionPlan } from '../../session/agent-session-plan.js';

export interface MintRequest {
  agent: Agent;
  plan: AgentSessionPlan;
  principal: Principal;
  /** The quota the session will count against (see Access.quota). */
  quota: string | null;
  callerId: string | null;
  /** Set to resume this session rather than start a new one. */
  sessionId?: string;
  ttlS: number;
}

export interface MintedSession {
  sessionId: string;
  engine: string;
  model: string;
  /** What the browser connects with: Parley's token, or OpenAI's ephemeral key when it connects to OpenAI directly. */
  clientSecret: { value: string; expiresAt: number };
  /** Parley's own token for this session (reconnect, attaching a direct call); the client secret itself on Parley's engines. */
  sessionToken: { value: string; expiresAt: number };
  /** Set when the browser talks to the engine directly (OpenAI WebRTC): where it sends its offer. Absent = Parley's /v1/realtime. */
  callsUrl?: string;
  /** The effective GA session the secret carries. */
  session: Record<string, unknown>;
}

/**
 * A short-lived key for one session of one agent. Engines a browser can reach directly
 * (OpenAI) mint their own, carrying the agent's configuration; for the others Parley signs a
 * token scoped to the agent and the session. The server's own API keys never leave it.
 */
export async function mintSessionSecret(tokens: SessionTokens, req: MintRequest, now = Date.now()): Promise<MintedSession> {
  const sessionId = req.sessionId ?? req.plan.session.id;
  const expiresAt = Math.floor(now / 1000) + req.ttlS;
  const token = { value: tokens.sign({ agent: req.agent.name, sid: sessionId, exp: expiresAt, iss: req.principal.id, quota: req.quota, caller: req.callerId }), expiresAt };
  const base = { sessionId, engine: req.plan.engineName, model: req.plan.model, sessionToken: token };
  if (req.plan.factory.clientSecret) {
    const direct = await req.plan.factory.clientSecret({ ...req.plan.update, model: req.plan.model }, req.ttlS);
    return { ...base, clientSecret: { value: direct.value, expiresAt: direct.expiresAt }, callsUrl: direct.callsUrl, session: direct.session };
  }
  return { ...base, clientSecret: token, session: { ...req.plan.session, id: sessionId } };
}
