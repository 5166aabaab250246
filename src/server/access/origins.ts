import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendRefusal } from './refusal.js';

const sameOrigin = (origin: string, req: FastifyRequest): boolean => {
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
};

/**
 * Which web pages may use this server from a browser: its own, and the origins listed in
 * PARLEY_CORS_ORIGINS. A request whose `Origin` is neither — an API call or a WebSocket
 * upgrade, which CORS alone does not stop — is refused with 403 before it does anything.
 * Requests without `Origin` (servers, SDKs, phones) are not browser pages and pass.
 */
export async function registerOrigins(app: FastifyInstance, allowed: readonly string[]): Promise<void> {
  const any = allowed.includes('*');
  const listed = new Set(allowed);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined || any || listed.has(origin) || sameOrigin(origin, req)) return undefined;
    return sendRefusal(reply, { status: 403, code: 'origin_not_allowed', message: `Pages from ${origin} may not use this server; add the origin to PARLEY_CORS_ORIGINS.` });
  });
  // CORS headers (and preflight answers) for the listed origins; same-origin pages need none.
  await app.register(cors, { origin: any ? true : [...listed], methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], maxAge: 600 });
}
