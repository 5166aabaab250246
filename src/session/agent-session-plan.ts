import { agentSessionUpdate, type Agent } from '../agents/index.js';
import type { Config } from '../config/schema.js';
import { sessionModel, type EngineFactory, type EngineRegistry } from '../engines/engine.js';
import { applySessionUpdate, defaultSessionConfig } from '../engines/inprocess/session-config.js';
import type { RealtimeSessionUpdate, SessionConfig } from '../protocol/schemas/index.js';
import type { BusinessStore } from '../store/types.js';
import { ToolRegistry } from '../tools/registry.js';
import { SessionOpenError } from './session-open-error.js';

/** What a session with an agent runs on, decided before anything opens. */
export interface AgentSessionPlan {
  engineName: string;
  factory: EngineFactory;
  model: string;
  tools: ToolRegistry;
  /** The GA `session.update` that applies the agent (no audio formats: the transport decides). */
  update: RealtimeSessionUpdate;
  /** The whole session as it starts, with a fresh id. */
  session: SessionConfig;
}

/** The transcription model name an engine understands. */
const transcriptionModel = (engine: string): string | undefined => (engine === 'local' || engine === 'echo' ? 'parley-local' : undefined);

/**
 * The agent's session on its engine: one place decides the engine, the model, the tools and
 * the configuration, for sessions opened here and for keys minted for a direct connection.
 */
export function planAgentSession(deps: { config: Config; engines: EngineRegistry; business: BusinessStore }, agent: Agent, askedModel?: string): AgentSessionPlan {
  const engineName = agent.engine ?? deps.config.engine.default;
  const factory = deps.engines.get(engineName);
  if (!factory) throw new SessionOpenError('engine_unavailable', `Agent '${agent.name}' needs engine '${engineName}', which this server does not have (available: ${deps.engines.names().join(', ')}).`);
  const tools = ToolRegistry.fromSpecs(agent.tools, { business: deps.business });
  const model = sessionModel(factory, deps.config.engine, askedModel, agent.model);
  const update = agentSessionUpdate(agent, { toolDefinitions: (spec) => tools.get(spec.name)!.definition, transcriptionModel: transcriptionModel(engineName) });
  // The agent's idle limit: the engine re-prompts after this long, the runtime ends the call after enough re-prompts.
  const td = update.audio?.input?.turn_detection;
  if (td && td.type === 'server_vad' && (td.idle_timeout_ms === null || td.idle_timeout_ms === undefined)) td.idle_timeout_ms = agent.limits.idleTimeoutMs;
  const session = applySessionUpdate(defaultSessionConfig(model), update, { audioProduced: false });
  return { engineName, factory, model, tools, update, session };
}
