import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Guards the admin API until full key management exists: with `PARLEY_API_KEY` set, a
 * matching `Authorization: Bearer` key is required; without it, only this machine
 * (loopback) may call it, so a default start never exposes customer data to the network.
 */
export function adminGuard(apiKey: string | undefined) {
  // An async hook that answers must return the reply, or Fastify runs the route anyway.
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (apiKey) {
      const header = req.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (given && sameKey(given, apiKey)) return undefined;
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthorized', message: 'This endpoint needs an admin key: send "Authorization: Bearer <PARLEY_API_KEY>".' } });
    }
    if (!LOOPBACK.has(req.ip)) {
      return reply.code(403).send({ error: { code: 'forbidden', message: 'The admin API is only reachable from this machine until PARLEY_API_KEY is set; set it and send it as a Bearer token.' } });
    }
    return undefined;
  };
}
