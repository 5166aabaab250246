import { setTimeout as sleep } from 'node:timers/promises';
import { failure } from './outcome.js';
import type { WebhookToolSpec } from './spec.js';
import { idempotencyKey, type ToolOutcome } from './types.js';

/*
 * Calls an HTTP webhook tool. The session and call id travel as `Idempotency-Key` on every attempt, so a
 * retry after a lost answer cannot act twice on a server that honours it. Header values come
 * from the environment at call time and never appear in an output or an error.
 */

export interface WebhookOptions {
  /** Where `headersFromEnv` names are looked up, at call time (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** First retry delay; doubles per attempt, with jitter (default 250). */
  baseDelayMs?: number;
  /** Cap of the backoff delay (default 2000). */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this ends the retries: the caller is on the line (default 5000). */
  maxRetryAfterMs?: number;
  /** Longer answers are cut, to keep the model's context small (default 20000 characters). */
  maxResponseChars?: number;
  random?: () => number;
}

export interface WebhookRequest {
  callId: string;
  sessionId: string;
  arguments: Record<string, unknown>;
  /** The runner's signal: aborts the request and any wait between attempts. */
  signal?: AbortSignal;
}

const RETRYABLE = (status: number) => status >= 500 || status === 429;

function queryUrl(base: string, args: Record<string, unknown>): string {
  const url = new URL(base);
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  for (const [k, v] of Object.entries(args)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, text(item));
  }
  return url.toString();
}

/** `Retry-After` as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Replaces every secret (and its long parts: the token of "Bearer <token>") in strings. */
function redactor(secrets: readonly string[]): <T>(v: T) => T {
  const needles = [...new Set(secrets.flatMap((s) => [s, ...s.split(/\s+/).filter((p) => p.length >= 8)]))].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const str = (s: string) => needles.reduce((acc, n) => acc.split(n).join('[redacted]'), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [str(k), walk(x)]));
    return v;
  };
  return <T>(v: T) => (needles.length === 0 ? v : (walk(v) as T));
}

function parseBody(text: string, contentType: string | null, max: number): unknown {
  const looksJson = /json/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (looksJson && text.length <= max) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: hand it over as text.
    }
  }
  return text.length > max ? { result: text.slice(0, max), truncated: true } : { result: text };
}

const causeCode = (e: unknown): string => {
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? ` (${cause.code})` : '';
};

export async function callWebhook(spec: WebhookToolSpec, req: WebhookRequest, opts: WebhookOptions = {}): Promise<ToolOutcome> {
  const env = opts.env ?? process.env;
  const doFetch = opts.fetch ?? fetch;
  const random = opts.random ?? Math.random;
  const baseDelay = opts.baseDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 2000;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 5000;
  const maxChars = opts.maxResponseChars ?? 20_000;
  const name = `webhook "${spec.name}"`;

  const headers: Record<string, string> = { accept: 'application/json' };
  const secrets: string[] = [];
  for (const [header, envName] of Object.entries(spec.headersFromEnv)) {
    const value = env[envName];
    if (!value) return failure('webhook_misconfigured', `${name} needs the environment variable ${envName} for its ${header} header, and it is not set`);
    headers[header.toLowerCase()] = value;
    secrets.push(value);
  }
  headers['idempotency-key'] = idempotencyKey(req.sessionId, req.callId);
  headers['x-parley-session'] = req.sessionId;
  let url = spec.url;
  let body: string | undefined;
  if (spec.method === 'GET') url = queryUrl(spec.url, req.arguments);
  else {
    body = JSON.stringify(req.arguments);
    headers['content-type'] = 'application/json';
  }
  const redact = redactor(secrets);
  const attempts = spec.retries + 1;
  // Jitter (50–100 % of the delay) keeps the retries of many sessions from lining up.
  const backoff = (attempt: number) => Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + random() / 2);

  for (let attempt = 0; ; attempt++) {
    const last = attempt + 1 >= attempts;
    const timeout = AbortSignal.timeout(spec.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      // redirect: 'manual' — following one would send the secret headers to another address.
      res = await doFetch(url, { method: spec.method, headers, body, signal, redirect: 'manual' });
      text = await res.text();
    } catch (e) {
      if (req.signal?.aborted) return failure('tool_timeout', `${name} was stopped before it answered`);
      if (timeout.aborted) return failure('tool_timeout', `${name} did not answer within ${spec.timeoutMs} ms`);
      if (last) return failure('webhook_unreachable', `${name} could not be reached${causeCode(e)} after ${attempts} attempt${attempts > 1 ? 's' : ''}`);
      if (!(await pause(backoff(attempt), req.signal))) return failure('tool_timeout', `${name} was stopped before it answered`);
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      return { output: text.trim() === '' ? { ok: true, status: res.status } : redact(parseBody(text, res.headers.get('content-type'), maxChars)) };
    }
    if (RETRYABLE(res.status) && !last) {
      const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff(attempt);
      if (wait <= maxRetryAfter) {
        if (!(await pause(wait, req.signal))) return failure('tool_timeout', `${name} was stopped before it answered`);
        continue;
      }
    }
    const redirected = res.status >= 300 && res.status < 400;
    const message = redirected
      ? `${name} answered with a redirect (HTTP ${res.status}); set the tool's url to the final address`
      : `${name} answered HTTP ${res.status}${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}`;
    const response = text.trim() === '' ? {} : { response: redact(parseBody(text, res.headers.get('content-type'), 2000)) };
    return failure('webhook_http_error', message, { status: res.status, ...response });
  }
}

/** Waits `ms`; false when the runner aborted meanwhile. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
