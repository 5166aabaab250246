import type { Config } from '../config/schema.js';
import type { Usage } from '../protocol/schemas/index.js';

export type PriceTable = Config['pricing'];

/**
 * Tokens each response used, by direction and modality, as `response.done` reports them. Text
 * is what is not audio; a usage without a breakdown is all text. The cost estimate and the
 * metrics both count by it.
 */
export function tokenCounts(usage: Usage): { input: { text: number; audio: number }; output: { text: number; audio: number } } {
  const inAudio = usage.input_token_details?.audio_tokens ?? 0;
  const outAudio = usage.output_token_details?.audio_tokens ?? 0;
  return {
    input: { text: usage.input_token_details?.text_tokens ?? Math.max(0, usage.input_tokens - inAudio), audio: inAudio },
    output: { text: usage.output_token_details?.text_tokens ?? Math.max(0, usage.output_tokens - outAudio), audio: outAudio },
  };
}

/**
 * Estimated USD cost of one response's usage, from a price table in USD per million tokens.
 * Cached input is billed at the cached rate and the rest at the full rate, text and audio
 * apart; when the usage has no breakdown, all of it counts as text.
 */
export function usageCost(usage: Usage, model: string, prices: PriceTable): number {
  const p = prices[model] ?? prices['*'];
  if (!p) return 0;
  const inD = usage.input_token_details;
  const n = tokenCounts(usage);
  const audioIn = n.input.audio;
  const textIn = n.input.text;
  const cachedAudio = inD?.cached_tokens_details?.audio_tokens ?? 0;
  const cachedText = inD?.cached_tokens_details?.text_tokens ?? Math.max(0, (inD?.cached_tokens ?? 0) - cachedAudio);
  const audioOut = n.output.audio;
  const textOut = n.output.text;
  const usd =
    (Math.max(0, textIn - cachedText) * p.textInput +
      cachedText * p.textCachedInput +
      Math.max(0, audioIn - cachedAudio) * p.audioInput +
      cachedAudio * p.audioCachedInput +
      textOut * p.textOutput +
      audioOut * p.audioOutput) /
    1e6;
  return Math.round(usd * 1e8) / 1e8;
}
