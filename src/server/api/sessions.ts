import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { writeWav } from '../../audio/wav.js';
import { RecordingError, type RecordingStore } from '../../recordings/recording-store.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { RecordStore } from '../../store/types.js';
import { ApiErrorSchema, LimitSchema, SessionDetailSchema, SessionSchema } from './schemas.js';

const END_STATUS = { session_not_live: 404, node_unreachable: 502, node_timeout: 504 } as const;

/**
 * `GET /api/sessions`, `GET /api/sessions/:id`: past and live sessions with their records;
 * `…/:id/recording`: its audio, when recorded; `POST …/:id/end`: ends a live session on
 * whichever node holds it.
 */
export const sessionRoutes = (records: RecordStore, recordings: RecordingStore | undefined, cluster: Cluster): FastifyPluginAsyncZod =>
  async function sessions(app) {
    app.post(
      '/api/sessions/:id/end',
      {
        schema: {
          summary: 'End a live session (the call hangs up), on whichever node holds it; its records are complete when this answers',
          tags: ['sessions'],
          params: z.object({ id: z.string().max(128) }),
          body: z.strictObject({ reason: z.string().min(1).max(200).optional() }).nullish(),
          response: { 200: z.object({ session_id: z.string(), ended: z.literal(true), node: z.string() }), 404: ApiErrorSchema, 502: ApiErrorSchema, 504: ApiErrorSchema },
        },
      },
      async (req, reply) => {
        const reason = `ended by an operator${req.body?.reason ? `: ${req.body.reason}` : ''}`;
        const outcome = await cluster.endSession(req.params.id, reason);
        if (outcome.ended) return { session_id: req.params.id, ended: true as const, node: outcome.node };
        return reply.code(END_STATUS[outcome.code]).send({ error: { code: outcome.code, message: outcome.message } });
      },
    );
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
    app.get(
      '/api/sessions/:id/recording',
      {
        schema: {
          summary: "A recorded session's audio as WAV (PCM16 24 kHz mono): the caller's track or the agent's",
          tags: ['sessions'],
          params: z.object({ id: z.string() }),
          querystring: z.object({ track: z.enum(['caller', 'agent']).default('caller') }),
          // A Buffer is sent as it is (Fastify serialises only objects).
          response: { 200: z.unknown().describe('audio/wav'), 404: ApiErrorSchema, 500: ApiErrorSchema },
        },
      },
      async (req, reply) => {
        const audio = await recordings?.read(req.params.id, req.query.track).catch((err: unknown) => {
          if (err instanceof RecordingError) return err;
          throw err;
        });
        if (audio instanceof RecordingError) return reply.code(500).send({ error: { code: audio.code, message: audio.message } });
        if (!audio) return reply.code(404).send({ error: { code: 'recording_not_found', message: `Session ${req.params.id} has no ${req.query.track} recording: its agent does not record (recording: false), or there is no such session.` } });
        return reply.type('audio/wav').send(writeWav(audio));
      },
    );
  };
