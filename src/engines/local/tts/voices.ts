/*
 * OpenAI voice names mapped onto espeak-ng voices. espeak-ng has no voices that sound like
 * OpenAI's, so each name gets a distinct language voice + variant (`!v/…` in espeak-ng-data,
 * which sets the formants and base pitch range) + pitch adjustment (`-p`, 0..99, default 50),
 * keeping the gender OpenAI's voice presents and, for some, a British accent for variety.
 * Measured median F0 ("The quick brown fox…", autocorrelation) is noted per entry.
 */

export interface EspeakVoice {
  /** The `-v` argument: language voice, optionally `+variant`. */
  voice: string;
  /** The `-p` argument, 0..99 (espeak's default is 50). */
  pitch: number;
}

export const OPENAI_VOICE_NAMES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;

export type OpenAIVoiceName = (typeof OPENAI_VOICE_NAMES)[number];

export const ESPEAK_VOICES: Readonly<Record<OpenAIVoiceName, Readonly<EspeakVoice>>> = Object.freeze({
  alloy: { voice: 'en-us+f3', pitch: 55 }, // neutral female, ~210 Hz
  ash: { voice: 'en-us+m3', pitch: 45 }, // male, ~95 Hz
  ballad: { voice: 'en-gb-x-rp+m2', pitch: 55 }, // British (RP) male, ~105 Hz
  coral: { voice: 'en-us+f2', pitch: 60 }, // warm female, ~210 Hz
  echo: { voice: 'en-us+m1', pitch: 35 }, // deep male, ~80 Hz
  sage: { voice: 'en+f4', pitch: 50 }, // British female, ~175 Hz (`en` is British; `en-gb+…` ignores variants)
  shimmer: { voice: 'en-us+f5', pitch: 70 }, // bright, breathy female, ~250 Hz
  verse: { voice: 'en-us+m7', pitch: 55 }, // male, ~105 Hz
  marin: { voice: 'en-us+f1', pitch: 65 }, // female, ~205 Hz
  cedar: { voice: 'en-us+m6', pitch: 30 }, // low male, ~80 Hz
});

export const DEFAULT_VOICE: OpenAIVoiceName = 'alloy';

/** Prefix that selects an espeak-ng voice directly, e.g. `espeak:en-gb-scotland+m4`. */
export const PROVIDER_VOICE_PREFIX = 'espeak:';

// A language voice (`en`, `en-gb-x-rp`, `gmw/en-US`) and an optional variant (`+f3`, `+klatt2`).
// Never starts with '-', so it cannot be read as an option. MBROLA voices (`mb-…`) are refused:
// they need extra packages and produce 16 kHz audio.
const PROVIDER_VOICE = /^(?!mb[-/])[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9_-]+)?(\+[A-Za-z0-9_]+)?$/;

/**
 * The espeak-ng voice for a protocol voice name (case-insensitive). `espeak:<voice>` picks an
 * espeak-ng voice directly (at the default pitch); anything else falls back to alloy's.
 */
export function resolveVoice(name: string): EspeakVoice {
  const key = name.trim().toLowerCase();
  if (Object.hasOwn(ESPEAK_VOICES, key)) return { ...ESPEAK_VOICES[key as OpenAIVoiceName] };
  if (key.startsWith(PROVIDER_VOICE_PREFIX)) {
    const voice = name.trim().slice(PROVIDER_VOICE_PREFIX.length);
    if (PROVIDER_VOICE.test(voice)) return { voice, pitch: 50 };
  }
  return { ...ESPEAK_VOICES[DEFAULT_VOICE] };
}

/** espeak-ng's default rate in words per minute; protocol speed 1 maps to it. */
export const ESPEAK_DEFAULT_WPM = 175;
/** espeak-ng's documented `-s` range (it silently clamps below 80; above 450 needs libsonic). */
export const ESPEAK_MIN_WPM = 80;
export const ESPEAK_MAX_WPM = 450;

/**
 * `-s` for a protocol speed (0.25..1.5, clamped; non-numbers count as 1): speed × 175 wpm,
 * clamped to 80..450. So 0.25..0.45 all read at 80 wpm (espeak's slowest) and 1.5 at 263.
 */
export function wordsPerMinute(speed: number): number {
  const s = Number.isFinite(speed) ? Math.min(1.5, Math.max(0.25, speed)) : 1;
  return Math.min(ESPEAK_MAX_WPM, Math.max(ESPEAK_MIN_WPM, Math.round(s * ESPEAK_DEFAULT_WPM)));
}
