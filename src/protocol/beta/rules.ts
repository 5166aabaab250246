import { isRecord, type FieldRule } from './fields.js';

// Beta audio format names and the GA format objects they stand for (doc §7).
const FORMATS: ReadonlyArray<{ beta: string; ga: { type: string; rate?: number } }> = [
  { beta: 'pcm16', ga: { type: 'audio/pcm', rate: 24000 } },
  { beta: 'g711_ulaw', ga: { type: 'audio/pcmu' } },
  { beta: 'g711_alaw', ga: { type: 'audio/pcma' } },
];

// Unrecognised values are returned unchanged so the GA validator reports them.
function formatToGA(value: unknown): unknown {
  const format = FORMATS.find((f) => f.beta === value);
  return format ? { ...format.ga } : value;
}

// GA's PCM rate may be omitted (24 kHz is the only one); a format beta cannot name stays as it is.
function formatToBeta(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const format = FORMATS.find((f) => f.ga.type === value.type && (value.rate === undefined || value.rate === f.ga.rate));
  return format ? format.beta : value;
}

function isModalityList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => m === 'text' || m === 'audio');
}

// Beta audio output always came with a transcript ("text"); GA's ['audio'] means the same.
function modalitiesToGA(value: unknown): unknown {
  if (!isModalityList(value)) return value;
  return value.includes('audio') ? ['audio'] : ['text'];
}

function modalitiesToBeta(value: unknown): unknown {
  if (!isModalityList(value)) return value;
  return value.includes('audio') ? ['text', 'audio'] : ['text'];
}

const MODALITIES: FieldRule = { beta: 'modalities', ga: ['output_modalities'], toGA: modalitiesToGA, toBeta: modalitiesToBeta };
const VOICE: FieldRule = { beta: 'voice', ga: ['audio', 'output', 'voice'] };
const OUTPUT_FORMAT: FieldRule = { beta: 'output_audio_format', ga: ['audio', 'output', 'format'], toGA: formatToGA, toBeta: formatToBeta };
const MAX_TOKENS: FieldRule = { beta: 'max_response_output_tokens', ga: ['max_output_tokens'] };

/** Beta input-audio fields, shared by realtime and transcription sessions. */
export const INPUT_AUDIO_RULES: readonly FieldRule[] = [
  { beta: 'input_audio_format', ga: ['audio', 'input', 'format'], toGA: formatToGA, toBeta: formatToBeta },
  { beta: 'turn_detection', ga: ['audio', 'input', 'turn_detection'] },
  { beta: 'input_audio_transcription', ga: ['audio', 'input', 'transcription'] },
  { beta: 'input_audio_noise_reduction', ga: ['audio', 'input', 'noise_reduction'] },
];

/** Doc §2.3: flat beta session fields ⇄ GA session paths. Same-named fields are not listed. */
export const SESSION_RULES: readonly FieldRule[] = [
  MODALITIES,
  VOICE,
  OUTPUT_FORMAT,
  { beta: 'speed', ga: ['audio', 'output', 'speed'] },
  ...INPUT_AUDIO_RULES,
  MAX_TOKENS,
];

/**
 * Response objects (`response.created`/`.done`). The beta response object already
 * called its limit `max_output_tokens` (unlike beta `response.create`), so no rename.
 */
export const RESPONSE_RULES: readonly FieldRule[] = [MODALITIES, VOICE, OUTPUT_FORMAT];

/** `response.create.response` parameters. */
export const RESPONSE_PARAM_RULES: readonly FieldRule[] = [...RESPONSE_RULES, MAX_TOKENS];
