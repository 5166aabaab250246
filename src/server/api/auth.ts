import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The key a request carries: `Authorization: Bearer <key>`, or (browsers cannot set headers on a WebSocket) the `openai-insecure-api-key.<key>` subprotocol, as OpenAI accepts it. */
export function presentedKey(req: FastifyRequest): string {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  return offered.find((p) => p.startsWith('openai-insecure-api-key.'))?.slice('openai-insecure-api-key.'.length) ?? '';
}

export type KeyCheck = { ok: true } | { ok: false; status: 401 | 403; code: 'unauthorized' | 'forbidden'; message: string };

/**
 * Until full key management exists: with `PARLEY_API_KEY` set, that key is required; without
 * it, only this machine (loopback) gets in, so a default start exposes nothing to the network.
 */
export function checkAdminKey(apiKey: string | undefined, req: FastifyRequest, what: string): KeyCheck {
  if (apiKey) {
    const given = presentedKey(req);
    if (given && sameKey(given, apiKey)) return { ok: true };
    return { ok: false, status: 401, code: 'unauthorized', message: `${what} needs an API key: send "Authorization: Bearer <PARLEY_API_KEY>" (or, from a browser WebSocket, the subprotocol "openai-insecure-api-key.<key>").` };
  }
  if (!LOOPBACK.has(req.ip)) return { ok: false, status: 403, code: 'forbidden', message: `${what} is only reachable from this machine until PARLEY_API_KEY is set; set it and send it as a Bearer token.` };
  return { ok: true };
}

/** Guards the admin API (see `checkAdminKey`). */
export function adminGuard(apiKey: string | undefined) {
  // An async hook that answers must return the reply, or Fastify runs the route anyway.
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const check = checkAdminKey(apiKey, req, 'The admin API');
    if (check.ok) return undefined;
    if (check.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(check.status).send({ error: { code: check.code, message: check.message } });
  };
}
