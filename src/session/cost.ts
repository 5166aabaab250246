import type { Config } from '../config/schema.js';
import type { Usage } from '../protocol/schemas/index.js';

export type PriceTable = Config['pricing'];

/**
 * Estimated USD cost of one response's usage, from a price table in USD per million tokens.
 * Cached input is billed at the cached rate and the rest at the full rate, text and audio
 * apart; when the usage has no breakdown, all of it counts as text.
 */
export function usageCost(usage: Usage, model: string, prices: PriceTable): number {
  const p = prices[model] ?? prices['*'];
  if (!p) return 0;
  const inD = usage.input_token_details;
  const outD = usage.output_token_details;
  const audioIn = inD?.audio_tokens ?? 0;
  const textIn = inD?.text_tokens ?? usage.input_tokens - audioIn;
  const cachedAudio = inD?.cached_tokens_details?.audio_tokens ?? 0;
  const cachedText = inD?.cached_tokens_details?.text_tokens ?? Math.max(0, (inD?.cached_tokens ?? 0) - cachedAudio);
  const audioOut = outD?.audio_tokens ?? 0;
  const textOut = outD?.text_tokens ?? usage.output_tokens - audioOut;
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
