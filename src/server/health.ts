import type { FastifyInstance } from 'fastify';

/** `/healthz`: the process is alive. `/readyz`: it takes new sessions (not draining). */
export function registerHealthRoutes(app: FastifyInstance, deps: { isReady: () => boolean }): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    if (deps.isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'draining' });
  });
}
