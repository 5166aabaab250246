import type { Model } from '../../inprocess/model.js';
import type { SpeechRecognizer, SpeechSynthesizer } from '../providers.js';
import { ChatCompletionsModel, type ChatCompletionsModelDeps } from './chat-completions.js';
import type { NetworkProvidersConfig } from './config.js';
import type { NetworkLogger } from './http.js';
import { OpenAISpeechSynthesizer } from './speech.js';
import { OpenAITranscriptionRecognizer } from './transcription.js';

export { ChatCompletionsModel, idleNudge, type ChatCompletionsModelDeps } from './chat-completions.js';
export { toChatMessages, toChatToolChoice, toChatTools, toRealtimeUsage, type ChatMessage, type ChatTool, type ChatToolCall, type ChatToolChoice, type ChatUsage } from './chat-messages.js';
export {
  DEFAULT_LLM_MODEL,
  DEFAULT_STT_MODEL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTS_MODEL,
  DEFAULT_TTS_SAMPLE_RATE,
  NETWORK_ENV_KEYS,
  NetworkConfigError,
  networkProvidersFromEnv,
  type ChatConfig,
  type NetworkEndpoint,
  type NetworkProvidersConfig,
  type SpeechConfig,
  type TranscriptionConfig,
} from './config.js';
export { NetworkProviderError, displayUrl, redact, type NetworkErrorCode, type NetworkFailure, type NetworkSlot } from './errors.js';
export { grammarPhrases } from './grammar-hint.js';
export type { NetworkLogger } from './http.js';
export { SentenceSplitter } from './sentences.js';
export { SseParser } from './sse.js';
export { OpenAISpeechSynthesizer, TextPlacer, type SpeechSynthesizerOptions } from './speech.js';
export { OpenAITranscriptionRecognizer, type TranscriptionRecognizerOptions } from './transcription.js';

/** What the configured network slots provide; an unconfigured slot is undefined. */
export interface NetworkProviders {
  stt?: SpeechRecognizer;
  tts?: SpeechSynthesizer;
  /** Builds the brain for one session (it needs that session's late transcripts and idle hook). */
  createModel?: (deps: Omit<ChatCompletionsModelDeps, 'logger'>) => Model;
}

export function createNetworkProviders(config: NetworkProvidersConfig, opts: { logger?: NetworkLogger } = {}): NetworkProviders {
  const logger = opts.logger ? { logger: opts.logger } : {};
  const llm = config.llm;
  return {
    ...(config.stt ? { stt: new OpenAITranscriptionRecognizer(config.stt, logger) } : {}),
    ...(config.tts ? { tts: new OpenAISpeechSynthesizer(config.tts, logger) } : {}),
    ...(llm ? { createModel: (deps: Omit<ChatCompletionsModelDeps, 'logger'>) => new ChatCompletionsModel(llm, { ...deps, ...logger }) } : {}),
  };
}
