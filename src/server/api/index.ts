import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AgentRegistry } from '../../agents/index.js';
import type { Config } from '../../config/schema.js';
import type { EngineRegistry } from '../../engines/engine.js';
import type { RecordingStore } from '../../recordings/recording-store.js';
import type { Store } from '../../store/types.js';
import type { Access } from '../access/access.js';
import { sendRefusal } from '../access/refusal.js';
import { agentRoutes } from './agents.js';
import { appointmentRoutes } from './appointments.js';
import { customerRoutes } from './customers.js';
import { keyRoutes } from './keys.js';
import { sessionCallRoutes } from './session-call.js';
import { sessionSecretRoutes } from './session-secrets.js';
import type { Logger } from 'pino';
import type { SessionRegistry } from '../../session/registry.js';
import { sessionRoutes } from './sessions.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { Telemetry } from '../../observability/telemetry.js';

export interface ApiDeps {
  store: Store;
  access: Access;
  config: Config;
  engines: EngineRegistry;
  agents?: AgentRegistry | undefined;
  version: string;
  recordings?: RecordingStore | undefined;
  sessions: SessionRegistry;
  cluster: Cluster;
  telemetry?: Telemetry | undefined;
  logger: Logger;
}

/** Admin routes answer only admin keys; the hook must return the reply, or Fastify runs the route anyway. */
const adminOnly =
  (access: Access) =>
  async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const check = await access.admin(req, 'The admin API');
    return check.ok ? undefined : sendRefusal(reply, check.refusal);
  };

/**
 * The REST API, documented at `/openapi.json` from the same zod schemas that validate it:
 * session secrets for callers (`POST /api/session`, `POST /v1/realtime/client_secrets`), and
 * the admin API (sessions, appointments, customers), which always needs an admin key.
 */
export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: deps.version, description: 'Sessions, transcripts, tool calls, usage; appointments and customers; session secrets.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(async (api) => {
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    api.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      if (err.statusCode === 400 || err.code === 'FST_ERR_VALIDATION') return sendRefusal(reply, { status: 400, code: 'invalid_request', message: err.message });
      req.log.error({ err }, 'API request failed');
      return reply.code(500).send({ error: { type: 'server_error', code: 'internal_error', message: 'The request failed on the server; see its logs.' } });
    });
    if (deps.agents) {
      await api.register(agentRoutes({ agents: deps.agents, access: deps.access, config: deps.config }));
      await api.register(sessionSecretRoutes({ access: deps.access, agents: deps.agents, engines: deps.engines, store: deps.store, config: deps.config }));
      const services = { config: deps.config, engines: deps.engines, store: deps.store, logger: deps.logger, ...(deps.recordings ? { recordings: deps.recordings } : {}), ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) };
      await api.register(sessionCallRoutes({ access: deps.access, agents: deps.agents, sessions: deps.sessions, services }));
    }
    await api.register(async (admin) => {
      admin.addHook('onRequest', adminOnly(deps.access));
      await admin.register(sessionRoutes(deps.store.records, deps.recordings, deps.cluster));
      await admin.register(appointmentRoutes(deps.store.business));
      await admin.register(customerRoutes(deps.store.business));
      if (deps.access.keys) await admin.register(keyRoutes(deps.access.keys));
    });
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
