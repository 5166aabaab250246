import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { EngineRegistry } from '../../engines/engine.js';
import { isBetaClient } from '../../protocol/beta/index.js';
import type { SessionRegistry } from '../../session/registry.js';
import { closeReason, RealtimeSocket } from './connection.js';
import { attachSideband, refuseSideband } from './sideband.js';
import type { AgentRegistry } from '../../agents/index.js';
import { SessionOpenError } from '../../session/session-open-error.js';
import { startAdmittedSession } from '../../session/start-admitted-session.js';
import type { Store } from '../../store/types.js';
import { CALLER_ID, CALLER_ID_RULE } from '../../session/resume.js';
import type { Access } from '../../server/access/access.js';
import { refusalOf, refuse, sendRefusal } from '../../server/access/refusal.js';
import type { NodeCapacity } from '../../server/limits/node-capacity.js';
import type { Cluster } from '../../cluster/cluster.js';
import { offeredSubprotocols } from '../../auth/credential.js';
import { admitRealtime, type Admitted, type RealtimeQuery } from './admit.js';
import type { RecordingStore } from '../../recordings/recording-store.js';
import type { Telemetry } from '../../observability/telemetry.js';

export interface RealtimeRouteDeps {
  config: Config;
  engines: EngineRegistry;
  sessions: SessionRegistry;
  logger: Logger;
  /** This node's room: a full or draining node refuses before anything else is done. */
  node: NodeCapacity;
  access: Access;
  /** With agents and a store, every session runs an agent (tools, memory, records); without, the bare engine. */
  agents?: AgentRegistry;
  store?: Store;
  recordings?: RecordingStore;
  cluster: Cluster;
  telemetry?: Telemetry;
}

/** What preValidation let each connection in for, handed to its wsHandler. */
const admissions = new WeakMap<FastifyRequest, Admitted>();

/** `GET /v1/realtime` (WebSocket): Parley's Realtime endpoint, GA and beta dialects. */
export function registerRealtimeRoute(app: FastifyInstance, deps: RealtimeRouteDeps): void {
  app.route<{ Querystring: RealtimeQuery }>({
    method: 'GET',
    url: '/v1/realtime',
    // Refuse before the upgrade, with an HTTP status a client can act on.
    preValidation: async (req, reply) => {
      const busy = deps.node.refusal();
      if (busy) return sendRefusal(reply, busy);
      const q = req.query;
      if (q.intent !== undefined && q.intent !== 'transcription') return refuse(reply, 400, 'invalid_value', `Unknown intent '${q.intent}'.`);
      if (q.intent === 'transcription') return refuse(reply, 400, 'unsupported', 'Transcription-only sessions (?intent=transcription) are not supported yet; open a realtime session with ?model=.');
      if (q.call_id !== undefined) return refuseSideband(deps, req, reply);
      if (q.caller_id !== undefined && !CALLER_ID.test(q.caller_id)) return refuse(reply, 400, 'invalid_value', CALLER_ID_RULE);
      if (!deps.agents && !deps.engines.get(deps.config.engine.default)) {
        return refuse(reply, 500, 'engine_unavailable', `Engine '${deps.config.engine.default}' is not available; set PARLEY_ENGINE to one of: ${deps.engines.names().join(', ')}.`);
      }
      const checked = await refusalOf(() => admitRealtime(deps, req));
      const admitted = checked.ok ? checked.value : { refusal: checked.refusal };
      if ('refusal' in admitted) return sendRefusal(reply, admitted.refusal);
      admissions.set(req, admitted);
      // The place is held while the connection lasts; a request that never upgrades gives it back too.
      if (admitted.reservation) req.raw.socket.once('close', () => admitted.reservation?.release());
      return undefined;
    },
    handler: (req, reply) => {
      admissions.get(req)?.reservation?.release();
      return refuse(reply, 426, 'upgrade_required', 'This endpoint speaks WebSocket; connect with a WebSocket client.');
    },
    wsHandler: (socket, req) => {
      if (req.query.call_id !== undefined) return attachSideband(socket, req, deps);
      const dialect = isBetaClient(req.headers, offeredSubprotocols(req.headers)) ? 'beta' : 'ga';
      const log = deps.logger.child({ transport: 'realtime-ws', dialect });
      const conn = new RealtimeSocket(socket, { dialect, maxFrameBytes: deps.config.limits.maxFrameBytes, messagesPerSecond: deps.config.limits.messagesPerSecond, logger: log });
      const admitted = admissions.get(req);
      if (!admitted) return socket.close(1011, 'not admitted');
      startAdmittedSession(deps, { admitted, transport: 'websocket', model: req.query.model, agentName: req.query.agent, logger: log }, { stillWanted: () => socket.readyState === socket.OPEN, attach: (session) => conn.attach(session) }).catch(
        (err: unknown) => {
          log.error({ err }, 'session failed to start');
          socket.close(1011, closeReason(err instanceof SessionOpenError ? err.message : 'session failed to start'));
        },
      );
    },
  });
}
