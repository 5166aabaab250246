import { displayUrl } from './errors.js';

/** One OpenAI-compatible endpoint: OpenAI itself, or a local server (vLLM, llama.cpp, Speaches, …). */
export interface NetworkEndpoint {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`; paths such as `/audio/speech` are appended. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omitted when absent (most local servers need none). */
  apiKey?: string;
  model: string;
  /** Transcription: the whole request. Chat and speech: until the response starts, and between two pieces of its stream. */
  timeoutMs?: number;
}

export interface TranscriptionConfig extends NetworkEndpoint {
  /** ISO-639-1 language of the audio when the recognizer is not told one per utterance. */
  language?: string;
  /** Text prepended to every prompt (names, spelling hints); grammar phrases follow it. */
  prompt?: string;
}

export type ChatConfig = NetworkEndpoint;

export interface SpeechConfig extends NetworkEndpoint {
  /** Speak with this voice whatever the session asks for (servers with their own voice names, e.g. Kokoro's `af_heart`). */
  voice?: string;
  /** Rate of the server's `pcm` output: 24000 at OpenAI. */
  sampleRate?: number;
}

/** Each slot is undefined when not configured: the local engine then keeps its offline provider. */
export interface NetworkProvidersConfig {
  stt?: TranscriptionConfig;
  llm?: ChatConfig;
  tts?: SpeechConfig;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STT_MODEL = 'gpt-4o-mini-transcribe';
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
export const DEFAULT_TTS_MODEL = 'gpt-4o-mini-tts';
export const DEFAULT_TTS_SAMPLE_RATE = 24_000;

export interface NetworkEnvKey {
  env: string;
  description: string;
}

/** Every environment variable `networkProvidersFromEnv` reads (for docs and the config reference). */
export const NETWORK_ENV_KEYS: readonly NetworkEnvKey[] = [
  { env: 'PARLEY_STT_URL', description: 'Base URL of an OpenAI-compatible transcription API (`/audio/transcriptions` is appended); setting it replaces pocketsphinx.' },
  { env: 'PARLEY_STT_API_KEY', description: 'Bearer key for PARLEY_STT_URL (optional).' },
  { env: 'PARLEY_STT_MODEL', description: `Transcription model (default \`${DEFAULT_STT_MODEL}\`).` },
  { env: 'PARLEY_STT_LANGUAGE', description: 'ISO-639-1 language of callers\' speech, e.g. `en` (optional; the server detects it otherwise).' },
  { env: 'PARLEY_STT_PROMPT', description: 'Text prepended to every transcription prompt: names and words the recognizer should spell right.' },
  { env: 'PARLEY_STT_TIMEOUT_MS', description: `Longest a transcription request may take (default ${DEFAULT_TIMEOUT_MS}).` },
  { env: 'PARLEY_LLM_URL', description: 'Base URL of an OpenAI-compatible chat completions API (`/chat/completions` is appended); setting it replaces the rule-based brain.' },
  { env: 'PARLEY_LLM_API_KEY', description: 'Bearer key for PARLEY_LLM_URL (optional).' },
  { env: 'PARLEY_LLM_MODEL', description: `Chat model (default \`${DEFAULT_LLM_MODEL}\`).` },
  { env: 'PARLEY_LLM_TIMEOUT_MS', description: `Longest wait for the answer to start, and between two streamed chunks (default ${DEFAULT_TIMEOUT_MS}).` },
  { env: 'PARLEY_TTS_URL', description: 'Base URL of an OpenAI-compatible speech API (`/audio/speech` is appended); setting it replaces espeak-ng.' },
  { env: 'PARLEY_TTS_API_KEY', description: 'Bearer key for PARLEY_TTS_URL (optional).' },
  { env: 'PARLEY_TTS_MODEL', description: `Speech model (default \`${DEFAULT_TTS_MODEL}\`).` },
  { env: 'PARLEY_TTS_VOICE', description: 'Speak with this voice whatever the session asks for (servers with their own voice names); default: the session\'s voice.' },
  { env: 'PARLEY_TTS_SAMPLE_RATE', description: `Sample rate of the server's raw \`pcm\` output (default ${DEFAULT_TTS_SAMPLE_RATE}, as OpenAI sends).` },
  { env: 'PARLEY_TTS_TIMEOUT_MS', description: `Longest wait for speech to start, and between two streamed pieces (default ${DEFAULT_TIMEOUT_MS}).` },
];

/** Thrown for a bad variable; the message names it and never quotes an API key. */
export class NetworkConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(message: string) {
    super(message);
    this.name = 'NetworkConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

function url(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new NetworkConfigError(`${name} = "${displayUrl(raw)}": not a URL; expected the API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new NetworkConfigError(`${name} = "${displayUrl(raw)}": expected an http:// or https:// URL, e.g. https://api.openai.com/v1`);
  }
  return raw.replace(/\/+$/, '');
}

function positiveInt(env: Env, name: string, max: number): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new NetworkConfigError(`${name} = "${raw}": expected a whole number from 1 to ${max}`);
  return n;
}

function endpoint(env: Env, slot: 'STT' | 'LLM' | 'TTS', defaultModel: string): NetworkEndpoint | undefined {
  const baseUrl = url(env, `PARLEY_${slot}_URL`);
  const apiKey = value(env, `PARLEY_${slot}_API_KEY`);
  const model = value(env, `PARLEY_${slot}_MODEL`);
  const timeoutMs = positiveInt(env, `PARLEY_${slot}_TIMEOUT_MS`, 600_000);
  if (baseUrl === undefined) {
    // A key or model without a URL is almost certainly a typo'd or forgotten URL: say so rather than silently staying offline.
    const stray = [apiKey === undefined ? null : `PARLEY_${slot}_API_KEY`, model === undefined ? null : `PARLEY_${slot}_MODEL`].filter((x) => x !== null);
    if (stray.length > 0) throw new NetworkConfigError(`${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set but PARLEY_${slot}_URL is not; set the API root, e.g. PARLEY_${slot}_URL=https://api.openai.com/v1`);
    return undefined;
  }
  return { baseUrl, model: model ?? defaultModel, ...(apiKey === undefined ? {} : { apiKey }), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

/**
 * The network providers the environment asks for. A slot is configured by its
 * `PARLEY_<SLOT>_URL`; without it the slot is undefined (the offline provider stays).
 *
 *   PARLEY_STT_URL / _API_KEY / _MODEL / _LANGUAGE / _PROMPT / _TIMEOUT_MS
 *   PARLEY_LLM_URL / _API_KEY / _MODEL / _TIMEOUT_MS
 *   PARLEY_TTS_URL / _API_KEY / _MODEL / _VOICE / _SAMPLE_RATE / _TIMEOUT_MS
 */
export function networkProvidersFromEnv(env: Env = process.env): NetworkProvidersConfig {
  const out: NetworkProvidersConfig = {};
  const stt = endpoint(env, 'STT', DEFAULT_STT_MODEL);
  if (stt) {
    const language = value(env, 'PARLEY_STT_LANGUAGE');
    const prompt = value(env, 'PARLEY_STT_PROMPT');
    if (language !== undefined && !/^[a-z]{2,3}$/i.test(language)) throw new NetworkConfigError(`PARLEY_STT_LANGUAGE = "${language}": expected an ISO-639-1 code such as en, de or fr`);
    out.stt = { ...stt, ...(language === undefined ? {} : { language: language.toLowerCase() }), ...(prompt === undefined ? {} : { prompt }) };
  }
  const llm = endpoint(env, 'LLM', DEFAULT_LLM_MODEL);
  if (llm) out.llm = llm;
  const tts = endpoint(env, 'TTS', DEFAULT_TTS_MODEL);
  if (tts) {
    const voice = value(env, 'PARLEY_TTS_VOICE');
    const sampleRate = positiveInt(env, 'PARLEY_TTS_SAMPLE_RATE', 384_000);
    out.tts = { ...tts, ...(voice === undefined ? {} : { voice }), ...(sampleRate === undefined ? {} : { sampleRate }) };
  }
  return out;
}
