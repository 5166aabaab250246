import { z } from 'zod';

/*
 * How an agent decides when the caller has finished speaking: a named preset for a common
 * acoustic setting, push-to-talk (the client commits turns itself), or explicit VAD values.
 * Values use the protocol's meaning (see src/engines/local/vad/threshold.ts for how the
 * embedded engine turns `threshold` into level gates).
 */

const ms = (min: number, max: number) => z.number().int('expected a whole number of milliseconds').min(min).max(max);

export const ExplicitTurnDetectionSchema = z.strictObject({
  /** 0..1; higher needs louder speech to open a turn. */
  threshold: z.number().min(0).max(1),
  /** Audio kept from before speech was detected, so a turn's first syllable is not cut. */
  prefixPaddingMs: ms(0, 2000),
  /** Silence that ends a turn. The lower bound catches seconds written where ms are meant. */
  silenceDurationMs: ms(100, 5000),
  /** The engine answers on its own after this much caller silence (the agent's `limits` idle prompt is separate). */
  idleTimeoutMs: ms(1000, 600_000).optional(),
  createResponse: z.boolean().default(true),
  interruptResponse: z.boolean().default(true),
});

export type VadTurnDetection = z.infer<typeof ExplicitTurnDetectionSchema>;

/*
 * The presets, relative to OpenAI's defaults (0.5 / 300 ms / 500 ms), which suit a quiet room:
 * - noisy_call_center: a higher threshold (0.7 ≈ 18 dB above the noise floor in the embedded
 *   VAD) so neighbours' voices and keyboards don't open turns or barge in, while a headset
 *   talker still clears it easily; 800 ms of silence because bursts of noise break up pauses
 *   and a turn ended early there is a false interruption.
 * - phone_line: 8 kHz telephone audio, where codecs, echo cancellers and AGC soften a word's
 *   onset (500 ms prefix keeps it), line hiss raises the floor (0.6), and network jitter plus
 *   callers reading out numbers make pauses longer (700 ms).
 */
export const TURN_DETECTION_PRESETS = {
  quiet_office: { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500, createResponse: true, interruptResponse: true },
  noisy_call_center: { threshold: 0.7, prefixPaddingMs: 300, silenceDurationMs: 800, createResponse: true, interruptResponse: true },
  phone_line: { threshold: 0.6, prefixPaddingMs: 500, silenceDurationMs: 700, createResponse: true, interruptResponse: true },
} as const satisfies Record<string, VadTurnDetection>;

export type TurnDetectionPreset = keyof typeof TURN_DETECTION_PRESETS;
export const TURN_DETECTION_PRESET_NAMES = Object.keys(TURN_DETECTION_PRESETS) as [TurnDetectionPreset, ...TurnDetectionPreset[]];

/** Manual turns: the client sends `input_audio_buffer.commit` + `response.create`. */
export const PUSH_TO_TALK = 'push_to_talk';

export const AgentTurnDetectionSchema = z.union([z.enum([...TURN_DETECTION_PRESET_NAMES, PUSH_TO_TALK]), ExplicitTurnDetectionSchema]);

export type AgentTurnDetection = z.infer<typeof AgentTurnDetectionSchema>;

/** The VAD values an agent's setting stands for; null = push-to-talk. */
export function resolveTurnDetection(setting: AgentTurnDetection): VadTurnDetection | null {
  if (setting === PUSH_TO_TALK) return null;
  return typeof setting === 'string' ? TURN_DETECTION_PRESETS[setting] : setting;
}
