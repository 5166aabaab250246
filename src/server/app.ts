import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { RecordingStore } from '../recordings/recording-store.js';
import type { EngineRegistry } from '../engines/engine.js';
import { SessionRegistry } from '../session/registry.js';
import { registerRealtimeRoute } from '../transports/realtime-ws/route.js';
import { registerCallRoutes } from '../transports/realtime-ws/calls-route.js';
import { registerWebRtcRoute } from '../transports/webrtc/route.js';
import { registerTwilioDisabled } from '../transports/twilio/disabled.js';
import { registerHealthRoutes } from './health.js';
import { registerWebApp } from './web-app.js';
import type { AgentRegistry } from '../agents/index.js';
import type { Store } from '../store/types.js';
import { registerApi } from './api/index.js';
import { PACKAGE_VERSION } from './version.js';
import { ApiKeyStore } from '../auth/api-keys.js';
import { Authenticator } from '../auth/principal.js';
import { SessionTokens, tokenKey } from '../auth/session-token.js';
import { Access } from './access/access.js';
import { registerOrigins } from './access/origins.js';
import { NodeCapacity } from './limits/node-capacity.js';
import { SessionRateLimits } from './limits/session-rate.js';
import { createCluster, type Cluster } from '../cluster/cluster.js';
import { drainSessions, GOODBYE_MS } from './drain.js';
import { tagSessionIds } from '../protocol/ids.js';
import { Telemetry } from '../observability/telemetry.js';
import { waitUntil } from '../util/wait-until.js';

export interface ParleyServer {
  app: FastifyInstance;
  sessions: SessionRegistry;
  access: Access;
  /** What this node shares with the others (in-process without REDIS_URL). */
  cluster: Cluster;
  /** This node's room for sessions: full, draining. */
  node: NodeCapacity;
  /**
   * Stops: takes no new sessions, then — with `drainMs` (SIGTERM) — lets live ones go on for up
   * to that long and has each agent say goodbye to those left; without, ends them at once with
   * 1001. Records are flushed and the server closed. A second call waits for the first.
   */
  shutdown(reason: string, opts?: { drainMs?: number }): Promise<void>;
  readonly draining: boolean;
}

const SUBPROTOCOL_PREFERENCE = ['realtime'];

export interface ServerDeps {
  engines: EngineRegistry;
  logger: Logger;
  /** Agents and the store: sessions run agents, and the REST API is served. Without them, bare engines (protocol tests). */
  agents?: AgentRegistry;
  store?: Store;
}

/** The recording store when a key is set; an agent that records without one stops start-up. */
function recordingStore(config: Config, agents: AgentRegistry | undefined): RecordingStore | undefined {
  const { recordingKey, recordingsDir, dataDir } = config.store;
  if (recordingKey) return new RecordingStore(recordingsDir ?? join(dataDir.startsWith('memory://') ? './data' : dataDir, 'recordings'), recordingKey);
  const recorded = agents?.list().filter((a) => a.recording) ?? [];
  if (recorded.length > 0) throw new ConfigError(`Agent(s) ${recorded.map((a) => a.name).join(', ')} set recording: true, and recordings are encrypted at rest: set PARLEY_RECORDING_KEY (openssl rand -hex 32).`);
  return undefined;
}

export async function buildServer(config: Config, deps: ServerDeps): Promise<ParleyServer> {
  // Typed as the default instance so route modules need no pino-specific generics.
  const { tlsCertFile, tlsKeyFile } = config.server;
  const https = tlsCertFile && tlsKeyFile ? { https: { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } } : {};
  const app = Fastify({ loggerInstance: deps.logger, trustProxy: config.server.trustProxy, ...https }) as unknown as FastifyInstance;
  const sessions = new SessionRegistry();
  tagSessionIds(config.cluster.nodeId);
  const cluster = await createCluster(config, { sessions, logger: deps.logger });
  const node = new NodeCapacity(config.limits.maxSessions);
  const telemetry = await Telemetry.create(config, { sessions, node, logger: deps.logger });
  const recordings = recordingStore(config, deps.agents);
  const keys = deps.store ? new ApiKeyStore(deps.store.db) : undefined;
  const signingKey = tokenKey(config.server.tokenSecret);
  const access = new Access(
    new Authenticator({ adminKey: config.server.apiKey, keys, tokens: new SessionTokens(signingKey) }),
    keys,
    new SessionRateLimits(config.limits, cluster.rates),
    cluster.admission,
    config.limits,
    node,
  );

  await app.register(websocket, {
    options: {
      // Twice the soft limit: frames in between get an `error` event and the
      // socket stays open; only beyond this does ws close with 1009.
      maxPayload: config.limits.maxFrameBytes * 2,
      // Browsers fail the handshake unless one offered subprotocol is echoed;
      // credentials (`openai-insecure-api-key.*`) are never echoed back.
      handleProtocols: (protocols) => SUBPROTOCOL_PREFERENCE.find((p) => protocols.has(p)) ?? false,
    },
  });

  // After the websocket plugin: its own onRequest hook must see a refused upgrade to close its socket.
  await registerOrigins(app, config.server.corsOrigins);
  registerHealthRoutes(app, { state: () => node.state });
  telemetry.register(app);
  // Which node answered: for operators, load balancer checks and the two-node test.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-parley-node', cluster.nodeId);
  });
  app.websocketServer.on('headers', (headers: string[]) => headers.push(`X-Parley-Node: ${cluster.nodeId}`));
  registerRealtimeRoute(app, { config, engines: deps.engines, sessions, logger: deps.logger, node, agents: deps.agents, store: deps.store, recordings, access, cluster, telemetry });
  registerCallRoutes(app, { config, sessions, logger: deps.logger, access });
  await registerWebRtcRoute(app, { config, engines: deps.engines, sessions, logger: deps.logger, node, agents: deps.agents, store: deps.store, recordings, access, cluster, telemetry });
  if (deps.agents && deps.store && config.twilio.authToken) {
    // Loaded only when phone calls are on: the twilio SDK is large.
    const { registerTwilioRoutes } = await import('../transports/twilio/routes.js');
    await registerTwilioRoutes(app, { config, engines: deps.engines, sessions, logger: deps.logger, node, agents: deps.agents, store: deps.store, recordings, tokenKey: signingKey, nodeId: cluster.nodeId, cluster, telemetry });
  } else registerTwilioDisabled(app);
  await registerWebApp(app);
  if (deps.store) await registerApi(app, { store: deps.store, access, config, engines: deps.engines, agents: deps.agents, version: PACKAGE_VERSION, recordings, sessions, cluster, telemetry, logger: deps.logger });

  let stopping: Promise<void> | null = null;
  const stop = async (reason: string, drainMs: number | undefined): Promise<void> => {
    node.drain();
    if (drainMs === undefined) await sessions.endAll(reason, 1001);
    else {
      await drainSessions(sessions, reason, { drainMs, goodbyeMs: GOODBYE_MS, logger: deps.logger });
      // Transports finish after their session ends (a goodbye still playing to a phone): give them a moment.
      await waitUntil(() => app.websocketServer.clients.size === 0, GOODBYE_MS);
    }
    await app.close();
    await deps.engines.close();
    await cluster.close();
    // After the sessions: their last turns are traced as they end.
    await telemetry.close();
    // Last: ended sessions flush their records into it.
    await deps.store?.close();
  };

  return {
    app,
    sessions,
    access,
    cluster,
    node,
    get draining() {
      return node.state === 'draining';
    },
    shutdown(reason: string, opts: { drainMs?: number } = {}) {
      stopping ??= stop(reason, opts.drainMs);
      return stopping;
    },
  };
}
