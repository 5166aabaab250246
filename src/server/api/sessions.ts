import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RecordStore } from '../../store/types.js';
import { ApiErrorSchema, LimitSchema, SessionDetailSchema, SessionSchema } from './schemas.js';

/** `GET /api/sessions`, `GET /api/sessions/:id`: past and live sessions with their records. */
export const sessionRoutes = (records: RecordStore): FastifyPluginAsyncZod =>
  async function sessions(app) {
    app.get(
      '/api/sessions',
      {
        schema: {
          summary: 'List sessions, newest first',
          tags: ['sessions'],
          querystring: z.object({ agent: z.string().optional(), caller_id: z.string().optional(), live: z.enum(['true', 'false']).optional(), before: z.string().optional(), limit: LimitSchema }),
          response: { 200: z.object({ sessions: z.array(SessionSchema) }) },
        },
      },
      async (req) => {
        const q = req.query;
        return { sessions: await records.sessions({ agent: q.agent, callerId: q.caller_id, live: q.live === undefined ? undefined : q.live === 'true', before: q.before, limit: q.limit }) };
      },
    );
    app.get(
      '/api/sessions/:id',
      {
        schema: {
          summary: 'One session: transcript, tool calls, usage and cost, latency per turn',
          tags: ['sessions'],
          params: z.object({ id: z.string() }),
          response: { 200: SessionDetailSchema, 404: ApiErrorSchema },
        },
      },
      async (req, reply) => {
        const s = await records.session(req.params.id);
        if (!s) return reply.code(404).send({ error: { code: 'session_not_found', message: `No session ${req.params.id}.` } });
        return s;
      },
    );
  };
