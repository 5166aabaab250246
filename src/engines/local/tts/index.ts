export { EspeakSynthesizer, ESPEAK_SAMPLE_RATE, DEFAULT_CHUNK_MS, estimateSamples, type EspeakSynthesizerOptions } from './espeak.js';
export { TtsError, ESPEAK_INSTALL_COMMAND, type TtsErrorCode } from './errors.js';
export {
  DEFAULT_VOICE,
  ESPEAK_DEFAULT_WPM,
  ESPEAK_MAX_WPM,
  ESPEAK_MIN_WPM,
  ESPEAK_VOICES,
  OPENAI_VOICE_NAMES,
  PROVIDER_VOICE_PREFIX,
  resolveVoice,
  wordsPerMinute,
  type EspeakVoice,
  type OpenAIVoiceName,
} from './voices.js';
export { DEFAULT_MAX_SEGMENT_CHARS, espeakSafe, splitText, type Segment, type SegmentWord } from './segments.js';
