import type { FastifyReply } from 'fastify';
import { AuthError } from '../../auth/errors.js';

/** A request Parley will not serve, and what the client can do about it. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  /** 429: seconds until a retry can succeed (`Retry-After`). */
  retryAfterS?: number;
}

export const authRefusal = (err: AuthError): Refusal => ({ status: err.status, code: err.code, message: err.message });

/**
 * Sends a refusal as `{ error: { type, code, message } }` — the OpenAI error shape, so SDK
 * clients surface it — with `WWW-Authenticate` on a 401 and `Retry-After` on a 429.
 */
export function sendRefusal(reply: FastifyReply, r: Refusal): FastifyReply {
  if (r.status === 401) reply.header('www-authenticate', 'Bearer');
  if (r.retryAfterS !== undefined) reply.header('retry-after', String(r.retryAfterS));
  const type = r.status === 401 ? 'authentication_error' : r.status === 403 ? 'permission_error' : r.status === 429 ? 'rate_limit_error' : 'invalid_request_error';
  return reply.code(r.status).send({ error: { type, code: r.code, message: r.message } });
}

/** `sendRefusal` for a refusal made on the spot. */
export const refuse = (reply: FastifyReply, status: number, code: string, message: string): FastifyReply => sendRefusal(reply, { status, code, message });

/** Runs `fn`; an AuthError it throws becomes a refusal. */
export async function refusalOf<T>(fn: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false; refusal: Refusal }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof AuthError) return { ok: false, refusal: authRefusal(err) };
    throw err;
  }
}
