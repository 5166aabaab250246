import type { FastifyInstance } from 'fastify';
import type { ParleyMetrics } from './metrics.js';

/**
 * `GET /metrics`: Prometheus scrapes each node directly. No credentials (a scraper has none to
 * give): keep it off the public side, as deploy/nginx does.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ParleyMetrics): void {
  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}
