import type { VadSettings } from './providers.js';

export type TurnDetection =
  | { type: 'server_vad'; threshold?: number; prefix_padding_ms?: number; silence_duration_ms?: number; create_response?: boolean; interrupt_response?: boolean; idle_timeout_ms?: number | null }
  | { type: 'semantic_vad'; eagerness?: 'low' | 'medium' | 'high' | 'auto'; create_response?: boolean; interrupt_response?: boolean }
  | null;

/*
 * semantic_vad needs a model of whether a sentence is finished; the embedded
 * engine approximates its eagerness with the silence it waits for.
 */
const EAGERNESS_SILENCE_MS = { low: 900, medium: 600, auto: 600, high: 350 } as const;

/** The VAD settings a session's turn detection asks for; null = manual turns (push-to-talk). */
export function vadSettingsOf(td: TurnDetection): VadSettings | null {
  if (!td) return null;
  if (td.type === 'semantic_vad') return { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: EAGERNESS_SILENCE_MS[td.eagerness ?? 'auto'] };
  return { threshold: td.threshold ?? 0.5, prefixPaddingMs: td.prefix_padding_ms ?? 300, silenceDurationMs: td.silence_duration_ms ?? 500 };
}
