import type { Logger } from 'pino';
import { agentVocabulary, type Agent } from '../agents/index.js';
import type { AudioFormat } from '../audio/formats.js';
import type { Config } from '../config/schema.js';
import type { EngineRegistry } from '../engines/engine.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { FunctionTool } from '../protocol/schemas/index.js';
import type { RecordingStore } from '../recordings/recording-store.js';
import type { SessionDetail, Store, Transport } from '../store/types.js';
import { ToolRunner } from '../tools/runner.js';
import type { ToolContext } from '../tools/types.js';
import { AgentRuntime, type ToolExecutor } from './agent-runtime.js';
import { callerContext } from './caller-memory.js';
import { ExtractiveSummarizer } from './context-summary.js';
import { SessionAudioRecorder } from './audio-recorder.js';
import { conversationHistory } from './history.js';
import { RealtimeSession } from './realtime-session.js';
import { SessionRecorder } from './session-recorder.js';
import { SessionOpenError } from './session-open-error.js';
import { planAgentSession } from './agent-session-plan.js';

export interface SessionServices {
  config: Config;
  engines: EngineRegistry;
  store: Store;
  logger: Logger;
  /** Where agents with `recording: true` keep their audio (encrypted); absent = no key configured. */
  recordings?: RecordingStore;
  /** The server's metrics and traces; absent = none. */
  telemetry?: Telemetry;
}

export interface OpenSessionRequest {
  agent: Agent;
  transport: Transport;
  /** Who is calling: user id, phone number or client-provided id; null = anonymous. */
  callerId: string | null;
  /** `?model=` from the client, if any. */
  model?: string;
  /** Resume this session (a reconnect): same id and caller, the conversation re-seeded from its record. */
  resume?: SessionDetail;
  /** A new session's id, when it was promised in advance (a session token names it); default: a fresh one. */
  sessionId?: string;
  /** The transport's audio on the wire, in and out (a telephone's `audio/pcmu`); absent = the engine's default (PCM16 24 kHz). */
  audioFormat?: AudioFormat;
  /** Attach the engine to this live call (a sideband; see `openSidebandSession`) instead of opening a session of its own. */
  call?: { id: string };
  logger: Logger;
}

export { SessionOpenError };


/**
 * Opens a session with an agent applied before any caller audio flows: the engine starts
 * with the agent's instructions, voice, tools and turn detection; the agent runtime wraps it
 * (tools, memory, records, limits); the session row is written. Transports call this and
 * then only pass events.
 */
export async function openAgentSession(svc: SessionServices, req: OpenSessionRequest): Promise<RealtimeSession> {
  const { agent } = req;
  const { engineName, factory, model, tools, session: session0 } = planAgentSession({ config: svc.config, engines: svc.engines, business: svc.store.business }, agent, req.model);
  if (agent.recording && !svc.recordings) throw new SessionOpenError('recording_unavailable', `Agent '${agent.name}' records its sessions, but no recording key is set: set PARLEY_RECORDING_KEY (openssl rand -hex 32).`);
  if (req.audioFormat) {
    session0.audio.input.format = req.audioFormat;
    session0.audio.output.format = req.audioFormat;
  }
  if (req.resume) session0.id = req.resume.id;
  else if (req.sessionId) session0.id = req.sessionId;
  const sessionId = session0.id;
  const callerId = req.resume ? req.resume.callerId : req.callerId;
  const log = req.logger.child({ session_id: sessionId, agent: agent.name });

  const memory = await callerContext(svc.store, callerId, agent.memory).catch((err: unknown) => {
    log.warn({ err }, 'caller memory unavailable; starting without it');
    return null;
  });
  const ctx: ToolContext = { sessionId, customerId: memory?.customer_id ?? null };
  const runner = new ToolRunner(tools, { timeoutMs: svc.config.tools.timeoutMs, fillerAfterMs: svc.config.tools.fillerAfterMs, onError: (call, err) => log.error({ err, tool: call.name, call_id: call.callId }, 'tool failed') });
  const executor: ToolExecutor = { handles: (name) => runner.handles(name), run: (call, hooks) => runner.run(call, ctx, hooks) };
  const telemetry = svc.telemetry?.session({ sessionId, agent: agent.name, transport: req.transport, engine: engineName, model, modelAskedByClient: req.model !== undefined });
  const recorder = new SessionRecorder({ sessionId, model, prices: svc.config.pricing, records: svc.store.records, logger: log, ...(telemetry ? { telemetry } : {}) });
  if (req.resume) recorder.resumeFrom(req.resume);
  // What an engine re-seeds an upstream with after it reconnects: the record, once every write so far has landed.
  const history = async () => {
    await recorder.flush();
    const detail = await svc.store.records.session(sessionId);
    return detail ? conversationHistory(detail) : [];
  };
  const hints = { idlePrompt: agent.limits.idlePrompt, vocabulary: agentVocabulary(agent) };
  const engine = await factory.create({ session: session0, limits: svc.config.limits, logger: log, agent: hints, history, ...(req.call ? { call: req.call } : {}) }).catch((err: unknown) => {
    throw new SessionOpenError('engine_failed', `Engine '${engineName}' could not start a session: ${(err as Error).message}`);
  });

  if (req.resume) await svc.store.records.reopenSession(sessionId);
  else await svc.store.records.startSession({ id: sessionId, agent: agent.name, callerId, transport: req.transport, engine: engineName, startedAt: new Date().toISOString() });

  // Raw audio is kept only when the agent says so, encrypted at rest.
  const audio = agent.recording && svc.recordings ? new SessionAudioRecorder(await svc.recordings.open(sessionId, 'caller'), await svc.recordings.open(sessionId, 'agent')) : undefined;

  const runtime = new AgentRuntime({
    engine,
    sessionId,
    tools: executor,
    serverTools: tools.definitions().filter((d) => runner.handles(d.name)) as FunctionTool[],
    recorder,
    ...(audio ? { audio } : {}),
    callerContext: memory,
    // A resumed conversation carries on where it was; only a new one is greeted.
    greeting: req.resume ? null : (agent.greeting ?? null),
    ...(req.resume ? { seed: conversationHistory(req.resume) } : {}),
    // A resumed session's clock runs from its first start.
    limits: { maxDurationMs: Math.max(1000, agent.limits.maxDurationS * 1000 - (req.resume ? Date.now() - Date.parse(req.resume.startedAt) : 0)), budgetUsd: agent.limits.budgetUsd, idleEndAfterPrompts: agent.limits.idleEndAfterPrompts },
    filler: 'One moment, let me check that.',
    context: { maxTokens: agent.memory.maxContextTokens, summarizer: new ExtractiveSummarizer(agent.memory.maxContextTokens) },
    logger: log,
    onClosed: (reason) => svc.store.records.endSession(sessionId, { endedAt: new Date().toISOString(), reason, summary: recorder.summary() }),
  });
  return new RealtimeSession({ id: sessionId, engine: runtime, logger: log, transport: req.transport, agent: agent.name });
}
