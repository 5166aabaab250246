import type { EngineFactory } from '../engine.js';
import { resolveOpenAIEngineConfig, type OpenAIEngineOptions } from './config.js';
import { OpenAIEngine } from './openai-engine.js';
import { createUpstreamClientSecret } from './client-secrets.js';

export { DEFAULT_BASE_URL, openaiEngineConfigFromEnv, realtimeUrl, resolveOpenAIEngineConfig, type OpenAIEngineConfig, type OpenAIEngineOptions } from './config.js';
export { OpenAIEngineError, type OpenAIEngineErrorCode } from './errors.js';
export { OpenAIEngine, OpenAIEngineEventCode } from './openai-engine.js';
export { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from './reconnect/backoff.js';

/**
 * `openai`: sessions run on the OpenAI Realtime API (GA, over WebSocket). `create` opens the
 * upstream at once and resolves when the agent's session is in force on it; it rejects with
 * an `OpenAIEngineError` (code `upstream_auth_failed`, `upstream_timeout`, …) otherwise.
 * Throws `invalid_config` here for a bad base URL, so a misconfiguration shows at start-up.
 */
export function createOpenAIEngine(opts: OpenAIEngineOptions): EngineFactory {
  const config = resolveOpenAIEngineConfig(opts);
  return {
    name: 'openai',
    defaultModel: 'gpt-realtime',
    create: (ctx) => OpenAIEngine.connect(ctx, config),
    clientSecret: (session, ttlS) => createUpstreamClientSecret(config, session, ttlS),
  };
}
