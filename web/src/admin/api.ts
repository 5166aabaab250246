/*
 * The admin API as the admin view uses it. The response types come from the server's own zod
 * schemas (type-only: nothing of the server reaches the bundle); every request goes through
 * `AdminApi.request`, which sends the key and turns error bodies into `ApiError`s with the
 * server's own message.
 */
import type { z } from 'zod';
import type { SessionDetailSchema, SessionSchema } from '../../../src/server/api/schemas.js';

/** One row of `GET /api/sessions`. */
export type Session = z.infer<typeof SessionSchema>;
/** `GET /api/sessions/:id`: transcript, tool calls, usage and latency per turn. */
export type SessionDetail = z.infer<typeof SessionDetailSchema>;
export type TranscriptItem = SessionDetail['transcript'][number];
export type ToolCall = SessionDetail['toolCalls'][number];
export type UsageRecord = SessionDetail['usage'][number];
/** Latency of one voice turn, ms from the end of the caller's speech (null: did not happen). */
export type TurnLatency = SessionDetail['turns'][number];

export type Track = 'caller' | 'agent';

/** `ApiErrorSchema` and the refusals of src/server/access/refusal.ts. */
interface ErrorBody {
  error: { code: string; message: string; type?: string; alternatives?: string[] };
}

const isErrorBody = (b: unknown): b is ErrorBody => {
  if (typeof b !== 'object' || b === null || !('error' in b)) return false;
  const e = (b as { error: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
};

/** A request the server refused or could not serve; `message` is the server's own explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** 401/403: the key is missing, wrong, expired, revoked or not an admin key. */
  get isAuth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The key is refused: what is wrong, and what to do about it. */
export function authProblem(err: ApiError): { title: string; detail: string } {
  switch (err.code) {
    case 'insufficient_scope':
      return { title: 'This key is not an admin key.', detail: 'Create one with `parley keys create --name ops --scope admin`, or use PARLEY_API_KEY.' };
    case 'credential_expired':
      return { title: 'This key has expired.', detail: 'Create a new one with `parley keys create --name ops --scope admin`.' };
    case 'credential_revoked':
      return { title: 'This key was revoked.', detail: 'Create a new one with `parley keys create --name ops --scope admin`.' };
    case 'missing_credential':
      return { title: 'Enter an admin key.', detail: 'On a development machine Parley writes one to <data dir>/admin-key (./data/admin-key by default).' };
    default:
      return {
        title: 'This key is not valid on this server.',
        detail: 'Check it was copied whole: PARLEY_API_KEY, or a key made with `parley keys create --scope admin` (on a development machine: ./data/admin-key).',
      };
  }
}

const KEY_STORAGE = 'parley.admin.key';

export const savedKey = (): string | null => {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
};

export const saveKey = (key: string | null): void => {
  try {
    if (key === null) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage refused (private mode): the key lives only as long as the page.
  }
};

export class AdminApi {
  constructor(
    readonly key: string,
    /** Called on every 401/403, so the view can sign out. */
    private readonly onAuthError: (err: ApiError) => void = () => undefined,
  ) {}

  /** The one fetch wrapper: Bearer key in, JSON or a Blob out, error bodies → ApiError. */
  async request(path: string, init: { method?: string; as?: 'json' | 'blob' | 'none'; signal?: AbortSignal } = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(path, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${this.key}`, accept: init.as === 'blob' ? '*/*' : 'application/json' },
        signal: init.signal ?? null,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'network_error', `Could not reach the Parley server (${err instanceof Error ? err.message : String(err)}). Is it running?`);
    }
    if (!res.ok) {
      const err = await errorOf(res);
      if (err.isAuth) this.onAuthError(err);
      throw err;
    }
    if (init.as === 'blob') return res.blob();
    const text = await res.text();
    if (init.as === 'none' || text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(res.status, 'bad_response', `The server answered ${path} with something that is not JSON.`);
    }
  }

  liveSessions(signal?: AbortSignal): Promise<Session[]> {
    return this.sessionList({ live: 'true', limit: '100' }, signal);
  }

  /** Ended sessions, newest first; `before`: only those started before this instant (paging). */
  pastSessions(opts: { limit: number; before?: string | undefined }, signal?: AbortSignal): Promise<Session[]> {
    const q: Record<string, string> = { live: 'false', limit: String(opts.limit) };
    if (opts.before) q.before = opts.before;
    return this.sessionList(q, signal);
  }

  async session(id: string, signal?: AbortSignal): Promise<SessionDetail> {
    return (await this.request(`/api/sessions/${encodeURIComponent(id)}`, { signal })) as SessionDetail;
  }

  async recording(id: string, track: Track): Promise<Blob> {
    return (await this.request(`/api/sessions/${encodeURIComponent(id)}/recording?track=${track}`, { as: 'blob' })) as Blob;
  }

  /** Ends a live call: 200 with an empty body once the end has begun. */
  async hangup(id: string): Promise<void> {
    await this.request(`/v1/realtime/calls/${encodeURIComponent(id)}/hangup`, { method: 'POST', as: 'none' });
  }

  private async sessionList(q: Record<string, string>, signal?: AbortSignal): Promise<Session[]> {
    const body = (await this.request(`/api/sessions?${new URLSearchParams(q).toString()}`, { signal })) as { sessions: Session[] };
    return body.sessions;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) return new ApiError(res.status, body.error.code || 'error', body.error.message);
  const what = res.statusText ? `${res.status} ${res.statusText}` : String(res.status);
  return new ApiError(res.status, 'http_error', `The server answered HTTP ${what}${text && text.length < 200 ? `: ${text}` : ''}.`);
}
