import type { FastifyRequest } from 'fastify';
import type { Agent, AgentRegistry } from '../../agents/index.js';
import type { Principal } from '../../auth/principal.js';
import type { Config } from '../../config/schema.js';
import type { Access } from '../../server/access/access.js';
import type { Refusal } from '../../server/access/refusal.js';
import type { Reservation } from '../../server/limits/admission.js';
import { checkResumeHere } from '../../session/resume.js';
import type { SessionDetail, Store } from '../../store/types.js';

export interface RealtimeQuery {
  model?: string;
  agent?: string;
  caller_id?: string;
  intent?: string;
  call_id?: string;
  /** Resume this session (a reconnect): its conversation is re-seeded from the record. */
  session_id?: string;
}

/** What a connection was let in for, decided before the upgrade. */
export interface Admitted {
  /** The agent; absent = the bare engine (a server without agents). */
  agent?: Agent;
  /** Resume this session. */
  resume?: SessionDetail;
  /** Start a new session with this id (a session token names it). */
  sessionId?: string;
  callerId: string | null;
  /** Its place among its quota's concurrent sessions: released when the connection closes. */
  reservation: Reservation | null;
}

export interface AdmitDeps {
  config: Config;
  access: Access;
  agents?: AgentRegistry | undefined;
  store?: Store | undefined;
}

const refused = (status: number, code: string, message: string): { refusal: Refusal } => ({ refusal: { status, code, message } });

/**
 * Who may connect to `/v1/realtime`, for which session, and whether their limits allow one
 * more: the credential (API key, session token, or none for public agents), the agent or the
 * session to resume, then the caller's rate and concurrent-session limits (Access.admit).
 */
export async function admitRealtime(deps: AdmitDeps, req: FastifyRequest<{ Querystring: RealtimeQuery }>): Promise<Admitted | { refusal: Refusal }> {
  const q = req.query;
  const principal = await deps.access.principal(req);
  if (!deps.agents || !deps.store) return admitBare(deps, req, principal);
  const { agents, store } = deps;

  let target: { agent: Agent; resume?: SessionDetail; sessionId?: string; callerId: string | null };
  if (principal.kind === 'token') {
    // A session token names its agent and session; the query may only repeat them.
    const { claims } = principal;
    if (q.agent !== undefined && q.agent !== claims.agent) return refused(403, 'insufficient_scope', `This session token is for agent '${claims.agent}', not '${q.agent}'.`);
    if (q.session_id !== undefined && q.session_id !== claims.sid) return refused(403, 'insufficient_scope', `This session token is for session '${claims.sid}', not '${q.session_id}'.`);
    const agent = agents.get(claims.agent);
    if (!agent) return refused(410, 'agent_not_found', `The token's agent '${claims.agent}' is not on this server any more.`);
    if (await store.records.session(claims.sid)) {
      const check = await resume(deps, claims.sid, claims.caller ?? undefined, agent.name);
      if ('refusal' in check) return check;
      target = { agent, resume: check, callerId: check.callerId };
    } else target = { agent, sessionId: claims.sid, callerId: claims.caller };
  } else if (q.session_id !== undefined) {
    const check = await resume(deps, q.session_id, q.caller_id, q.agent);
    if ('refusal' in check) return check;
    const agent = agents.get(check.agent);
    if (!agent) return refused(410, 'agent_not_found', `Session '${check.id}' ran agent '${check.agent}', which this server no longer has.`);
    target = { agent, resume: check, callerId: check.callerId };
  } else {
    const name = q.agent ?? deps.config.agents.default;
    const agent = agents.get(name);
    if (!agent) return refused(404, 'agent_not_found', `No agent named '${name}'. Agents: ${agents.list().map((a) => a.name).join(', ')}.`);
    target = { agent, callerId: q.caller_id ?? null };
  }

  const allowed = await deps.access.agent(req, target.agent);
  if (!allowed.ok) return { refusal: allowed.refusal };
  const held = await deps.access.admit(principal, req.ip, { isNew: principal.kind !== 'token' && !target.resume });
  if (!held.ok) return { refusal: held.refusal };
  return { ...target, reservation: held.value };
}

async function resume(deps: AdmitDeps, sessionId: string, callerId: string | undefined, agent: string | undefined): Promise<SessionDetail | { refusal: Refusal }> {
  const check = await checkResumeHere({ records: deps.store!.records, config: deps.config, agents: deps.agents! }, { sessionId, callerId, agent });
  return check.ok ? check.detail : refused(check.status, check.code, check.message);
}

/**
 * A server without agents serves its engine bare, as a model endpoint (another Parley's
 * upstream): with PARLEY_API_KEY set, only an admin key gets in; without, it is open, limited
 * per address like a public agent.
 */
async function admitBare(deps: AdmitDeps, req: FastifyRequest<{ Querystring: RealtimeQuery }>, principal: Principal): Promise<Admitted | { refusal: Refusal }> {
  if (req.query.session_id !== undefined) return refused(400, 'unsupported', 'Resuming a session (?session_id=) needs agents and a store; this server runs a bare engine.');
  if (req.query.agent !== undefined && req.query.agent !== 'default') return refused(404, 'agent_not_found', `No agent named '${req.query.agent}'. Omit ?agent= to use the default agent.`);
  if (deps.config.server.apiKey) {
    const admin = await deps.access.admin(req, 'This model endpoint');
    if (!admin.ok) return { refusal: admin.refusal };
  }
  const held = await deps.access.admit(principal, req.ip, { isNew: true });
  if (!held.ok) return { refusal: held.refusal };
  return { callerId: req.query.caller_id ?? null, reservation: held.value };
}
