import type { FastifyInstance } from 'fastify';
import type { NodeState } from './limits/node-capacity.js';

/**
 * `/healthz`: the process is alive. `/readyz`: it takes new sessions — 503 with the reason
 * (`full`, `draining`) otherwise, so a load balancer sends new callers elsewhere while the
 * sessions already here go on.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: { state: () => NodeState }): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) => {
    const state = deps.state();
    if (state === 'ready') return { status: 'ready' };
    return reply.code(503).send({ status: state });
  });
}
