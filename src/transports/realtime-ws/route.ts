import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { sessionModel, type EngineRegistry } from '../../engines/engine.js';
import { defaultSessionConfig } from '../../engines/inprocess/session-config.js';
import { isBetaClient } from '../../protocol/beta/index.js';
import { RealtimeSession } from '../../session/realtime-session.js';
import type { SessionRegistry } from '../../session/registry.js';
import { closeReason, RealtimeSocket } from './connection.js';
import type { Agent, AgentRegistry } from '../../agents/index.js';
import { checkAdminKey } from '../../server/api/auth.js';
import { openAgentSession, SessionOpenError } from '../../session/open-session.js';
import type { Store } from '../../store/types.js';
import { checkResume, type ResumeRequest } from '../../session/resume.js';
import type { RecordingStore } from '../../recordings/recording-store.js';

const CALLER_ID = /^[A-Za-z0-9+_.:@-]{1,128}$/;

const resumeRequest = (deps: RealtimeRouteDeps, q: RealtimeQuery): ResumeRequest => ({
  sessionId: q.session_id ?? '',
  callerId: q.caller_id,
  agent: q.agent,
  windowMs: deps.config.server.resumeWindowMs,
  maxDurationMs: (name) => (deps.agents?.get(name)?.limits.maxDurationS ?? 0) * 1000,
});

export interface RealtimeRouteDeps {
  config: Config;
  engines: EngineRegistry;
  sessions: SessionRegistry;
  logger: Logger;
  isDraining: () => boolean;
  /** With agents and a store, every session runs an agent (tools, memory, records); without, the bare engine. */
  agents?: AgentRegistry;
  store?: Store;
  recordings?: RecordingStore;
}

interface RealtimeQuery {
  model?: string;
  agent?: string;
  caller_id?: string;
  intent?: string;
  call_id?: string;
  /** Resume this session (a reconnect): its conversation is re-seeded from the record. */
  session_id?: string;
}

const subprotocols = (req: FastifyRequest): string[] =>
  String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { type: 'invalid_request_error', code, message } });
}

/** `GET /v1/realtime` (WebSocket): Parley's Realtime endpoint, GA and beta dialects. */
export function registerRealtimeRoute(app: FastifyInstance, deps: RealtimeRouteDeps): void {
  app.route<{ Querystring: RealtimeQuery }>({
    method: 'GET',
    url: '/v1/realtime',
    // Refuse before the upgrade, with an HTTP status a client can act on.
    preValidation: async (req, reply) => {
      // `access: key` agents need a key; public ones (the website widget) do not.
      const agentAccess = (agent: Agent): FastifyReply | undefined => {
        if (agent.access === 'public') return undefined;
        const check = checkAdminKey(deps.config.server.apiKey, req, `Agent '${agent.name}'`);
        return check.ok ? undefined : refuse(reply, check.status, check.code, check.message);
      };
      if (deps.isDraining()) return refuse(reply, 503, 'server_draining', 'This server is shutting down; connect again to reach another instance.');
      const q = req.query;
      if (q.intent !== undefined && q.intent !== 'transcription') return refuse(reply, 400, 'invalid_value', `Unknown intent '${q.intent}'.`);
      if (q.intent === 'transcription') return refuse(reply, 400, 'unsupported', 'Transcription-only sessions (?intent=transcription) are not supported yet; open a realtime session with ?model=.');
      if (q.call_id !== undefined) return refuse(reply, 400, 'unsupported', 'Sideband connections (?call_id=) need the openai engine; they are not available on this server.');
      if (q.caller_id !== undefined && !CALLER_ID.test(q.caller_id)) return refuse(reply, 400, 'invalid_value', 'caller_id must be 1–128 characters: letters, digits and + _ . : @ -');
      if (q.session_id !== undefined) {
        if (!deps.agents || !deps.store) return refuse(reply, 400, 'unsupported', 'Resuming a session (?session_id=) needs agents and a store; this server runs a bare engine.');
        const check = await checkResume(deps.store.records, resumeRequest(deps, q));
        if (!check.ok) return refuse(reply, check.status, check.code, check.message);
        const agent = deps.agents.get(check.detail.agent);
        if (!agent) return refuse(reply, 410, 'agent_not_found', `Session '${check.detail.id}' ran agent '${check.detail.agent}', which this server no longer has.`);
        return agentAccess(agent);
      }
      if (deps.agents) {
        const name = q.agent ?? deps.config.agents.default;
        const agent = deps.agents.get(name);
        if (!agent) return refuse(reply, 404, 'agent_not_found', `No agent named '${name}'. Agents: ${deps.agents.list().map((a) => a.name).join(', ')}.`);
        return agentAccess(agent);
      }
      if (q.agent !== undefined && q.agent !== 'default') return refuse(reply, 404, 'agent_not_found', `No agent named '${q.agent}'. Omit ?agent= to use the default agent.`);
      const engine = deps.config.engine.default;
      if (!deps.engines.get(engine)) return refuse(reply, 500, 'engine_unavailable', `Engine '${engine}' is not available; set PARLEY_ENGINE to one of: ${deps.engines.names().join(', ')}.`);
    },
    handler: (_req, reply) => refuse(reply, 426, 'upgrade_required', 'This endpoint speaks WebSocket; connect with a WebSocket client.'),
    wsHandler: (socket, req) => {
      const dialect = isBetaClient(req.headers, subprotocols(req)) ? 'beta' : 'ga';
      const log = deps.logger.child({ transport: 'realtime-ws', dialect });
      const conn = new RealtimeSocket(socket, { dialect, maxFrameBytes: deps.config.limits.maxFrameBytes, logger: log });
      if (deps.agents && deps.store) {
        const { agents, store } = deps;
        const services = { config: deps.config, engines: deps.engines, store, logger: log, ...(deps.recordings ? { recordings: deps.recordings } : {}) };
        const open = async () => {
          const resumeId = req.query.session_id;
          if (resumeId === undefined) {
            const agent = agents.get(req.query.agent ?? deps.config.agents.default)!;
            return openAgentSession(services, { agent, transport: 'websocket', callerId: req.query.caller_id ?? null, model: req.query.model, logger: log });
          }
          // A connection that still holds the session gives it up first, records flushed, so the re-seed is complete.
          await deps.sessions.get(resumeId)?.end({ reason: 'resumed on a new connection', code: 1000 });
          const check = await checkResume(store.records, resumeRequest(deps, req.query));
          if (!check.ok) throw new SessionOpenError('resume_refused', check.message);
          log.info({ session_id: resumeId, items: check.detail.transcript.length + check.detail.toolCalls.length }, 'resuming session');
          return openAgentSession(services, { agent: agents.get(check.detail.agent)!, transport: 'websocket', callerId: check.detail.callerId, model: req.query.model, logger: log, resume: check.detail });
        };
        open()
          .then((session) => {
            if (socket.readyState !== socket.OPEN) return void session.end({ reason: 'client left before the session started', code: 1000 });
            deps.sessions.add(session);
            conn.attach(session);
            log.info({ session_id: session.id, agent: session.agent, engine: session.engineName }, 'session started');
            session.start();
          })
          .catch((err: unknown) => {
            log.error({ err }, 'session failed to start');
            socket.close(1011, closeReason(err instanceof SessionOpenError ? err.message : 'session failed to start'));
          });
        return;
      }
      const engineName = deps.config.engine.default;
      const factory = deps.engines.get(engineName);
      if (!factory) return socket.close(1011, 'engine unavailable');
      const model = sessionModel(factory, deps.config.engine, req.query.model);
      const session0 = defaultSessionConfig(model);
      factory
        .create({ session: session0, limits: deps.config.limits, logger: log })
        .then((engine) => {
          if (socket.readyState !== socket.OPEN) return void engine.close('client left before the session started');
          const session = new RealtimeSession({ engine, logger: log, transport: 'realtime-ws', agent: req.query.agent ?? 'default' });
          deps.sessions.add(session);
          conn.attach(session);
          log.info({ session_id: session.id, engine: engine.name, model }, 'session started');
          session.start();
        })
        .catch((err: unknown) => {
          log.error({ err }, 'engine failed to start');
          socket.close(1011, 'engine failed to start');
        });
    },
  });
}
