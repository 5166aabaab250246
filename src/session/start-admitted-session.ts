import type { Logger } from 'pino';
import type { AgentRegistry } from '../agents/index.js';
import type { AudioFormat } from '../audio/formats.js';
import type { Config } from '../config/schema.js';
import { sessionModel, type EngineRegistry } from '../engines/engine.js';
import { defaultSessionConfig } from '../engines/inprocess/session-config.js';
import type { RecordingStore } from '../recordings/recording-store.js';
import type { Store, Transport } from '../store/types.js';
import type { Admitted } from '../transports/realtime-ws/admit.js';
import { openAgentSession } from './open-session.js';
import { RealtimeSession } from './realtime-session.js';
import type { SessionRegistry } from './registry.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Telemetry } from '../observability/telemetry.js';
import { SessionOpenError } from './session-open-error.js';

const RESUMED = 'resumed on a new connection';

export interface StartSessionDeps {
  config: Config;
  engines: EngineRegistry;
  sessions: SessionRegistry;
  /** With agents and a store, the session runs an agent; without, the bare engine. */
  agents?: AgentRegistry | undefined;
  store?: Store | undefined;
  recordings?: RecordingStore | undefined;
  /** The server's metrics and traces, handed to each agent session. */
  telemetry?: Telemetry | undefined;
  /** Ends a resumed session's old connection, on whichever node holds it. */
  cluster: Pick<Cluster, 'endSession'>;
}

export interface StartSessionRequest {
  /** What admission let the connection in for (`admitRealtime`). */
  admitted: Admitted;
  transport: Transport;
  /** `?model=` from the client. */
  model?: string | undefined;
  /** `?agent=` as the client named it: the bare engine's session records it as its agent. */
  agentName?: string | undefined;
  /** The transport's audio format in and out (a telephone's `audio/pcmu`); absent = PCM16 24 kHz. */
  audioFormat?: AudioFormat;
  logger: Logger;
}

/**
 * Opens the session an admitted connection asked for, whatever the transport: a new agent
 * session, the resume of one (its current holder ends first, records flushed, and the record
 * is read again so the re-seed is complete), or the bare engine on a server without agents.
 * The session is not started or registered: the transport checks its client is still there,
 * registers it, binds its events, then starts it (`session.created` goes out first).
 */
export async function openAdmittedSession(deps: StartSessionDeps, req: StartSessionRequest): Promise<RealtimeSession> {
  const { admitted, logger: log } = req;
  if (deps.agents && deps.store) {
    const { store } = deps;
    const services = { config: deps.config, engines: deps.engines, store, logger: log, ...(deps.recordings ? { recordings: deps.recordings } : {}), ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) };
    const { agent, resume } = admitted;
    // admitRealtime names an agent whenever the server has agents.
    if (!agent) throw new Error('admitted without an agent on a server with agents');
    const audio = req.audioFormat ? { audioFormat: req.audioFormat } : {};
    if (!resume) return openAgentSession(services, { agent, transport: req.transport, callerId: admitted.callerId, model: req.model, logger: log, ...audio, ...(admitted.sessionId ? { sessionId: admitted.sessionId } : {}) });
    // A connection that still holds the session — here or on another node — gives it up first,
    // records flushed, so the re-seed is complete.
    await deps.cluster.endSession(resume.id, RESUMED);
    // Read again after that flush: the record now holds everything the old connection did.
    const detail = await store.records.session(resume.id);
    if (!detail) throw new SessionOpenError('resume_refused', `Session '${resume.id}' disappeared while resuming.`);
    log.info({ session_id: resume.id, items: detail.transcript.length + detail.toolCalls.length }, 'resuming session');
    return openAgentSession(services, { agent, transport: req.transport, callerId: detail.callerId, model: req.model, logger: log, ...audio, resume: detail });
  }
  const engineName = deps.config.engine.default;
  const factory = deps.engines.get(engineName);
  if (!factory) throw new SessionOpenError('engine_unavailable', `Engine '${engineName}' is not available; set PARLEY_ENGINE to one of: ${deps.engines.names().join(', ')}.`);
  const model = sessionModel(factory, deps.config.engine, req.model);
  const session0 = defaultSessionConfig(model);
  const engine = await factory.create({ session: session0, limits: deps.config.limits, logger: log }).catch((err: unknown) => {
    throw new SessionOpenError('engine_failed', `Engine '${engineName}' could not start a session: ${(err as Error).message}`);
  });
  return new RealtimeSession({ id: session0.id, engine, logger: log, transport: req.transport, agent: req.agentName ?? 'default' });
}

/**
 * `openAdmittedSession`, then — if `stillWanted()` (the client may have left meanwhile) — the
 * session registered, bound by `attach`, and started. Null when the client left: the opened
 * session was ended again.
 */
export async function startAdmittedSession(
  deps: StartSessionDeps,
  req: StartSessionRequest,
  hooks: { stillWanted: () => boolean; attach: (session: RealtimeSession) => void },
): Promise<RealtimeSession | null> {
  const session = await openAdmittedSession(deps, req);
  if (!hooks.stillWanted()) {
    await session.end({ reason: 'client left before the session started', code: 1000 });
    return null;
  }
  deps.sessions.add(session);
  hooks.attach(session);
  req.logger.info({ session_id: session.id, agent: session.agent, engine: session.engineName }, 'session started');
  session.start();
  return session;
}
