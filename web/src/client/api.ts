import { ServerProblem } from './errors.js';

export interface AgentSummary {
  name: string;
  description: string;
  voice: string;
  engine: string;
  access: 'public' | 'key';
}

export interface AgentList {
  default: string;
  agents: AgentSummary[];
  voices: string[];
}

export interface Secret {
  value: string;
  /** Unix seconds. */
  expires_at: number;
}

/** `POST /api/session`'s answer: where and how to connect for one session. */
export interface SessionGrant {
  session_id: string;
  agent: string;
  engine: string;
  model: string;
  client_secret: Secret;
  session_token: Secret;
  connect: { mode: 'parley' | 'direct'; url: string };
}

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (res.ok) return (await res.json()) as T;
  throw await problemOf(res);
}

/** The server's `{error: {code, message}}` as a ServerProblem (or the bare status when there is none). */
export async function problemOf(res: Response): Promise<ServerProblem> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ServerProblem(body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? `The server answered ${res.status} ${res.statusText}.`, res.status);
}

export const listAgents = (): Promise<AgentList> => call('/api/agents');

/** A new session, or — with `sessionId` — a fresh secret to resume one after a dropped connection. */
export const createSession = (ask: { agent: string; voice?: string; sessionId?: string; callerId?: string }): Promise<SessionGrant> =>
  call('/api/session', {
    method: 'POST',
    body: JSON.stringify({ agent: ask.agent, ...(ask.voice ? { voice: ask.voice } : {}), ...(ask.sessionId ? { session_id: ask.sessionId } : {}), ...(ask.callerId ? { caller_id: ask.callerId } : {}) }),
  });

/** Hands a direct OpenAI call to Parley, which attaches as its sideband to run the agent's tools. */
export const attachCall = (callId: string, sessionToken: string): Promise<{ session_id: string }> =>
  call('/api/session/call', { method: 'POST', token: sessionToken, body: JSON.stringify({ call_id: callId }) });

/** Seconds left on a secret, by this machine's clock. */
export const secondsLeft = (s: Secret): number => s.expires_at - Date.now() / 1000;
