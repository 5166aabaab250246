import { TalkError } from './errors.js';

/** Whom to talk to, and as whom. */
export interface TalkTarget {
  /** The server's http(s) base URL. */
  url: URL;
  agent?: string;
  key?: string;
  callerId?: string;
  voice?: string;
}

export interface Secret {
  value: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** `POST /api/session`'s answer (src/server/api/session-secrets.ts). */
export interface IssuedSession {
  sessionId: string;
  agent: string;
  engine: string;
  clientSecret: Secret;
  sessionToken: Secret;
  connect: { mode: 'parley' | 'direct'; url: string };
}

export type FetchLike = (url: URL, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

const HTTP_TIMEOUT_MS = 15_000;

/** `<base>/v1/realtime` with ws(s): derived from --url, which is known to reach the server (its own idea of its host may not, behind a proxy). */
export function realtimeUrl(base: URL): URL {
  const url = new URL(base.href);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/realtime`;
  url.search = '';
  return url;
}

function apiUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  return url;
}

/**
 * A secret for a new session with the agent, or — with `sessionId` — for resuming that session
 * after a dropped connection. A resume is asked with the caller's own credential (--key, or
 * none for a public agent) and caller id: the server checks both against the session, and it
 * refuses an expired session token before it looks at anything else, so the old token is no use.
 */
export async function requestSession(target: TalkTarget, opts: { sessionId?: string } = {}, fetchImpl: FetchLike = fetch): Promise<IssuedSession> {
  const url = apiUrl(target.url, '/api/session');
  const body: Record<string, string> = {};
  if (target.agent) body.agent = target.agent;
  if (target.callerId) body.caller_id = target.callerId;
  if (target.voice) body.voice = target.voice;
  if (opts.sessionId) body.session_id = opts.sessionId;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key) headers.authorization = `Bearer ${target.key}`;
  let res: { status: number; text(): Promise<string> };
  let text: string;
  try {
    res = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    text = await res.text();
  } catch (err) {
    throw unreachable(target.url, err);
  }
  if (res.status !== 200) throw refused('The server refused the session', res.status, text, target);
  const parsed = parseIssued(text);
  if (!parsed) throw new TalkError('unexpected_response', `${url.href} answered 200 but not with a Parley session (${text.slice(0, 120)}). Is --url a Parley server?`);
  return parsed;
}

function parseIssued(text: string): IssuedSession | null {
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    const secret = (s: unknown): Secret | null => {
      const o = s as { value?: unknown; expires_at?: unknown } | null;
      return o && typeof o.value === 'string' && typeof o.expires_at === 'number' ? { value: o.value, expiresAt: o.expires_at } : null;
    };
    const connect = b.connect as { mode?: unknown; url?: unknown } | undefined;
    const clientSecret = secret(b.client_secret);
    const sessionToken = secret(b.session_token);
    if (typeof b.session_id !== 'string' || !clientSecret || !sessionToken || (connect?.mode !== 'parley' && connect?.mode !== 'direct')) return null;
    return { sessionId: b.session_id, agent: String(b.agent ?? ''), engine: String(b.engine ?? ''), clientSecret, sessionToken, connect: { mode: connect.mode, url: String(connect.url ?? '') } };
  } catch {
    return null;
  }
}

/** A network failure (nothing answered) in words, with the likely fix. */
export function unreachable(base: URL, err: unknown): TalkError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code ?? (err as Error).name;
  const why =
    code === 'ECONNREFUSED' ? 'nothing is listening there'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `the host name '${base.hostname}' does not resolve`
    : code === 'TimeoutError' || code === 'ETIMEDOUT' ? 'it did not answer in time'
    : (cause?.message ?? (err as Error).message ?? String(err));
  return new TalkError('server_unreachable', `Could not reach Parley at ${base.origin}: ${why}${code && !why.includes(code) ? ` (${code})` : ''}. Is the server running (\`parley serve\`), and is --url right?`);
}

/** An HTTP refusal (of `POST /api/session` or of the WebSocket upgrade) with the server's code and a next step. */
export function refused(what: string, status: number, body: string, target: TalkTarget): TalkError {
  let code = `http_${status}`;
  let message = '';
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof e?.code === 'string') code = e.code;
    if (typeof e?.message === 'string') message = e.message;
  } catch {
    // Not Parley's error shape: a proxy's page, or not a Parley server at all.
  }
  if (!message) message = status === 404 ? `${target.url.origin} has no such endpoint; is --url a Parley server?` : body.trim().slice(0, 200) || 'no reason given';
  const hint = hintFor(code, status, target);
  return new TalkError(code, `${what} (HTTP ${status} ${code}): ${message}${hint ? `\n${hint}` : ''}`, status);
}

function hintFor(code: string, status: number, target: TalkTarget): string {
  const agent = target.agent ?? '<agent>';
  switch (code) {
    case 'missing_credential':
      return `This agent needs an API key: pass --key <key> (or set PARLEY_KEY); an admin makes one with \`parley keys create --name <name> --scope agent:${agent}\`.`;
    case 'invalid_credential':
    case 'credential_expired':
    case 'credential_revoked':
      return 'Check the key given with --key (or PARLEY_KEY): it must be a current Parley API key (pk_…).';
    case 'insufficient_scope':
      return `Use a key with the scope agent:${agent} or agents:*.`;
    case 'agent_not_found':
      return 'Choose one of those agents with --agent.';
    case 'session_ended':
    case 'session_expired':
    case 'session_not_found':
      return 'Start a new conversation.';
    default:
      if (status === 429) return 'Wait a moment and try again.';
      if (status >= 500) return 'The server could not serve it; its log says why. Try again, or ask its operator.';
      return '';
  }
}
