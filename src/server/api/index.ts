import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { RecordingStore } from '../../recordings/recording-store.js';
import type { Store } from '../../store/types.js';
import { appointmentRoutes } from './appointments.js';
import { adminGuard } from './auth.js';
import { customerRoutes } from './customers.js';
import { sessionRoutes } from './sessions.js';

/** The REST API under `/api`, documented at `/openapi.json` from the same zod schemas that validate it. */
export async function registerApi(app: FastifyInstance, deps: { store: Store; apiKey?: string; version: string; recordings?: RecordingStore | undefined }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: deps.version, description: 'Sessions, transcripts, tool calls, usage; appointments and customers.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(async (api) => {
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    api.addHook('onRequest', adminGuard(deps.apiKey));
    api.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      if (err.statusCode === 400 || err.code === 'FST_ERR_VALIDATION') return reply.code(400).send({ error: { code: 'invalid_request', message: err.message } });
      req.log.error({ err }, 'API request failed');
      return reply.code(500).send({ error: { code: 'internal_error', message: 'The request failed on the server; see its logs.' } });
    });
    await api.register(sessionRoutes(deps.store.records, deps.recordings));
    await api.register(appointmentRoutes(deps.store.business));
    await api.register(customerRoutes(deps.store.business));
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
