import type { Item, Usage } from '../protocol/schemas/index.js';

/*
 * Token estimates for engines that do not count tokens themselves. The ratios
 * follow OpenAI's published rules of thumb: about 4 characters of English per
 * text token, one audio token per 100 ms of input and per 50 ms of output.
 */
export const estimateTextTokens = (text: string): number => Math.ceil(text.length / 4);
export const inputAudioTokens = (ms: number): number => Math.ceil(ms / 100);
export const outputAudioTokens = (ms: number): number => Math.ceil(ms / 50);

export interface UsageCounts {
  inputText: number;
  inputAudio: number;
  outputText: number;
  outputAudio: number;
}

/** Input tokens of a context: instructions plus every item's text (audio by its transcript length). */
export function contextTokens(instructions: string, items: readonly Item[], audioMsOf: (itemId: string, contentIndex: number) => number): Pick<UsageCounts, 'inputText' | 'inputAudio'> {
  let inputText = estimateTextTokens(instructions);
  let inputAudio = 0;
  for (const item of items) {
    if (item.type === 'message') {
      item.content.forEach((part, i) => {
        if ('text' in part && typeof part.text === 'string') inputText += estimateTextTokens(part.text);
        else if (part.type === 'input_audio' || part.type === 'output_audio') {
          const ms = item.id ? audioMsOf(item.id, i) : 0;
          inputAudio += ms > 0 ? inputAudioTokens(ms) : estimateTextTokens(part.transcript ?? '');
        }
      });
    } else if (item.type === 'function_call') inputText += estimateTextTokens(item.name + item.arguments);
    else if (item.type === 'function_call_output') inputText += estimateTextTokens(item.output);
  }
  return { inputText, inputAudio };
}

export function toUsage(c: UsageCounts): Usage {
  const input = c.inputText + c.inputAudio;
  const output = c.outputText + c.outputAudio;
  return {
    total_tokens: input + output,
    input_tokens: input,
    output_tokens: output,
    input_token_details: { text_tokens: c.inputText, audio_tokens: c.inputAudio, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
    output_token_details: { text_tokens: c.outputText, audio_tokens: c.outputAudio },
  } as Usage;
}
