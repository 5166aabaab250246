export { AgentSchema, AgentNameSchema, type Agent, type AgentInput } from './schema.js';
export {
  AgentTurnDetectionSchema,
  ExplicitTurnDetectionSchema,
  PUSH_TO_TALK,
  TURN_DETECTION_PRESETS,
  TURN_DETECTION_PRESET_NAMES,
  resolveTurnDetection,
  type AgentTurnDetection,
  type TurnDetectionPreset,
  type VadTurnDetection,
} from './turn-detection.js';
export { AgentError, AgentLoadError, type AgentErrorCode } from './errors.js';
export { loadAgents, type LoadAgentsOptions } from './load.js';
export { parseAgentFile, type AgentFileChecks, type AgentFileResult } from './agent-file.js';
export { createAgentRegistry, type AgentRegistry } from './registry.js';
export { agentSessionUpdate, DEFAULT_TRANSCRIPTION_MODEL, type AgentSessionOptions } from './session-config.js';
export { toolDefinition, type FunctionToolDefinition } from '../tools/definition.js';
export { agentVocabulary } from './vocabulary.js';
