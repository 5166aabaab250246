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
import { InProcessAdmission, type Admission } from './limits/admission.js';
import { SessionRateLimits } from './limits/session-rate.js';

export interface ParleyServer {
  app: FastifyInstance;
  sessions: SessionRegistry;
  access: Access;
  /** Stops taking sessions, ends live ones with 1001, closes the server. */
  shutdown(reason: string): Promise<void>;
  readonly draining: boolean;
}

const SUBPROTOCOL_PREFERENCE = ['realtime'];

export interface ServerDeps {
  engines: EngineRegistry;
  logger: Logger;
  /** Agents and the store: sessions run agents, and the REST API is served. Without them, bare engines (protocol tests). */
  agents?: AgentRegistry;
  store?: Store;
  /** Concurrent-session admission; default in-process (one node). */
  admission?: Admission;
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
  const recordings = recordingStore(config, deps.agents);
  const keys = deps.store ? new ApiKeyStore(deps.store.db) : undefined;
  const signingKey = tokenKey(config.server.tokenSecret);
  const access = new Access(
    new Authenticator({ adminKey: config.server.apiKey, keys, tokens: new SessionTokens(signingKey) }),
    keys,
    new SessionRateLimits(config.limits),
    deps.admission ?? new InProcessAdmission(),
    config.limits,
  );
  let draining = false;

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
  registerHealthRoutes(app, { isReady: () => !draining });
  registerRealtimeRoute(app, { config, engines: deps.engines, sessions, logger: deps.logger, isDraining: () => draining, agents: deps.agents, store: deps.store, recordings, access });
  registerCallRoutes(app, { config, sessions, logger: deps.logger, access });
  await registerWebRtcRoute(app, { config, engines: deps.engines, sessions, logger: deps.logger, isDraining: () => draining, agents: deps.agents, store: deps.store, recordings, access });
  if (deps.agents && deps.store && config.twilio.authToken) {
    // Loaded only when phone calls are on: the twilio SDK is large.
    const { registerTwilioRoutes } = await import('../transports/twilio/routes.js');
    await registerTwilioRoutes(app, { config, engines: deps.engines, sessions, logger: deps.logger, isDraining: () => draining, agents: deps.agents, store: deps.store, recordings, tokenKey: signingKey });
  } else registerTwilioDisabled(app);
  await registerWebApp(app);
  if (deps.store) await registerApi(app, { store: deps.store, access, config, engines: deps.engines, agents: deps.agents, version: PACKAGE_VERSION, recordings, sessions, logger: deps.logger });

  return {
    app,
    sessions,
    access,
    get draining() {
      return draining;
    },
    async shutdown(reason: string) {
      if (draining) return;
      draining = true;
      await sessions.endAll(reason, 1001);
      await app.close();
      await deps.engines.close();
      // Last: ended sessions flush their records into it.
      await deps.store?.close();
    },
  };
}
