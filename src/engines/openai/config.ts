import { DEFAULT_BACKOFF, type BackoffOptions } from './reconnect/backoff.js';
import { OpenAIEngineError } from './errors.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What the openai engine needs; named like the `openai` SDK's client options. */
export interface OpenAIEngineOptions {
  apiKey: string;
  /** The API root (default `https://api.openai.com/v1`); `http(s)` becomes `ws(s)` and `/realtime?model=` is appended. */
  baseUrl?: string;
  /** Sent as `OpenAI-Organization` / `OpenAI-Project` when set. */
  organization?: string;
  project?: string;
  /** Upgrade plus the upstream's `session.created` (default 10 s). */
  connectTimeoutMs?: number;
  /** Applying the session and re-seeding the conversation on a new upstream (default 10 s). */
  seedTimeoutMs?: number;
  /** WebSocket ping period; a missed pong ends the connection so a dead path is noticed (default 15 s, 0 = off). */
  heartbeatIntervalMs?: number;
  reconnect?: Partial<BackoffOptions>;
  /** Move to a fresh upstream after this long, at a quiet moment: OpenAI ends sessions at 60 minutes (default 55 min). */
  rolloverAfterMs?: number;
  /** How long to wait for a quiet moment once a rollover is due before doing it anyway (default 3 min). */
  rolloverGraceMs?: number;
  /** Client events (other than audio) held while reconnecting: at most this many… (default 256) */
  maxQueuedEvents?: number;
  /** …and this many bytes of JSON (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Sees every upstream event as received, before the engine filters it (diagnostics and tests). */
  tap?: (event: { type: string; [key: string]: unknown }, info: { generation: number }) => void;
}

/** The options with every default filled in. */
export interface OpenAIEngineConfig extends Required<Omit<OpenAIEngineOptions, 'organization' | 'project' | 'reconnect' | 'tap'>> {
  organization?: string;
  project?: string;
  reconnect: BackoffOptions;
  tap?: OpenAIEngineOptions['tap'];
}

const MINUTE_MS = 60_000;

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/** Quotes a URL for a message without any credentials it may carry. */
function shown(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  }
}

/** Checks an API root and returns it without trailing slashes; throws `invalid_config`. */
export function normaliseBaseUrl(raw: string, name = 'OPENAI_BASE_URL'): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new OpenAIEngineError('invalid_config', `${name} = "${shown(raw)}": not a URL; expected the API root, e.g. ${DEFAULT_BASE_URL}`, { retriable: false });
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new OpenAIEngineError('invalid_config', `${name} = "${shown(raw)}": expected an http:// or https:// URL, e.g. ${DEFAULT_BASE_URL}`, { retriable: false });
  }
  return raw.replace(/\/+$/, '');
}

/** `https://api.openai.com/v1` + model → `wss://api.openai.com/v1/realtime?model=<model>` (query of the base kept). */
export function realtimeUrl(baseUrl: string, model: string): string {
  return realtimeSocketUrl(baseUrl, 'model', model);
}

/** The sideband of a live call: `wss://api.openai.com/v1/realtime?call_id=<id>` (no model: the call has one). */
export function sidebandUrl(baseUrl: string, callId: string): string {
  return realtimeSocketUrl(baseUrl, 'call_id', callId);
}

function realtimeSocketUrl(baseUrl: string, param: 'model' | 'call_id', value: string): string {
  const url = new URL(normaliseBaseUrl(baseUrl));
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/realtime`;
  url.searchParams.set(param, value);
  return url.toString();
}

/** The API root for plain HTTP requests (hanging up a call): a `ws(s)://` base is taken as `http(s)://`. */
export function httpBaseUrl(baseUrl: string): string {
  const url = new URL(normaliseBaseUrl(baseUrl));
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  return url.toString().replace(/\/+$/, '');
}

/**
 * The openai engine's settings from the environment, read as the `openai` SDK reads them:
 * OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID. Null without a key
 * (the engine is then not offered); throws `invalid_config` for a bad base URL.
 */
export function openaiEngineConfigFromEnv(env: Env = process.env): OpenAIEngineOptions | null {
  const apiKey = value(env, 'OPENAI_API_KEY');
  if (apiKey === undefined) return null;
  const base = value(env, 'OPENAI_BASE_URL');
  const organization = value(env, 'OPENAI_ORG_ID');
  const project = value(env, 'OPENAI_PROJECT_ID');
  return {
    apiKey,
    baseUrl: base === undefined ? DEFAULT_BASE_URL : normaliseBaseUrl(base),
    ...(organization === undefined ? {} : { organization }),
    ...(project === undefined ? {} : { project }),
  };
}

/** Fills in defaults and checks the base URL. */
export function resolveOpenAIEngineConfig(opts: OpenAIEngineOptions): OpenAIEngineConfig {
  if (!opts.apiKey) throw new OpenAIEngineError('invalid_config', 'The openai engine needs an API key; set OPENAI_API_KEY.', { retriable: false });
  return {
    apiKey: opts.apiKey,
    baseUrl: normaliseBaseUrl(opts.baseUrl ?? DEFAULT_BASE_URL),
    ...(opts.organization === undefined ? {} : { organization: opts.organization }),
    ...(opts.project === undefined ? {} : { project: opts.project }),
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    seedTimeoutMs: opts.seedTimeoutMs ?? 10_000,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 15_000,
    reconnect: { ...DEFAULT_BACKOFF, ...opts.reconnect },
    rolloverAfterMs: opts.rolloverAfterMs ?? 55 * MINUTE_MS,
    rolloverGraceMs: opts.rolloverGraceMs ?? 3 * MINUTE_MS,
    maxQueuedEvents: opts.maxQueuedEvents ?? 256,
    maxQueuedBytes: opts.maxQueuedBytes ?? 4 * 1024 * 1024,
    ...(opts.tap === undefined ? {} : { tap: opts.tap }),
  };
}

/** Headers of the upgrade: GA, so no `OpenAI-Beta`. */
export function upstreamHeaders(config: OpenAIEngineConfig): Record<string, string> {
  return {
    Authorization: `Bearer ${config.apiKey}`,
    ...(config.organization ? { 'OpenAI-Organization': config.organization } : {}),
    ...(config.project ? { 'OpenAI-Project': config.project } : {}),
  };
}
