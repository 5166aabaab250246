import type { FunctionTool, Item, ToolChoice, Usage } from '../../../protocol/schemas/index.js';

/** Chat completions request shapes (the subset Parley sends). */
export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** `usage` of the last chunk when `stream_options.include_usage` is set. */
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number } | null;
}

export interface ContextOptions {
  /** Transcript of a user audio item still being recognized (the local engine's late transcripts). */
  transcriptOf?: (itemId: string) => Promise<string | null>;
}

/** A user audio part's words: its transcript, or the one still being recognized. */
async function audioText(item: Item, transcript: string | undefined, opts: ContextOptions): Promise<string> {
  if (transcript !== undefined) return transcript;
  if (!item.id || !opts.transcriptOf) return '';
  return (await opts.transcriptOf(item.id)) ?? '';
}

/**
 * The Realtime context as chat messages:
 * - `instructions` first, as a system message;
 * - system / user / assistant messages with their text, audio transcripts and (user) images;
 * - `function_call` items become `tool_calls` of an assistant message (consecutive calls, and the
 *   assistant text just before them, share one message — parallel calls), each followed by its
 *   `function_call_output` as a `role: "tool"` message with the same `tool_call_id`. Chat APIs
 *   require the answers right after the calls, so outputs are moved there; a call never answered
 *   and an output whose call is not in the context are left out (the API would refuse them).
 * Empty messages are left out; MCP items are not sent.
 */
export async function toChatMessages(instructions: string, context: readonly Item[], opts: ContextOptions = {}): Promise<ChatMessage[]> {
  const outputs = new Map<string, string>();
  const calls = new Set<string>();
  for (const item of context) {
    if (item.type === 'function_call_output' && !outputs.has(item.call_id)) outputs.set(item.call_id, item.output);
    if (item.type === 'function_call') calls.add(item.call_id);
  }
  const messages: ChatMessage[] = [];
  if (instructions.trim() !== '') messages.push({ role: 'system', content: instructions });
  /** The assistant message calls are being added to, and the tool answers that will follow it. */
  let group: { message: Extract<ChatMessage, { role: 'assistant' }>; answers: ChatMessage[] } | null = null;
  const placed = new Set<string>();
  const closeGroup = (): void => {
    if (group) messages.push(...group.answers);
    group = null;
  };
  for (const item of context) {
    if (item.type === 'function_call') {
      const output = outputs.get(item.call_id);
      if (output === undefined || placed.has(item.call_id)) continue;
      placed.add(item.call_id);
      if (!group) {
        const last = messages.at(-1);
        const message = last?.role === 'assistant' && !last.tool_calls ? last : ({ role: 'assistant', content: null } as Extract<ChatMessage, { role: 'assistant' }>);
        if (message !== last) messages.push(message);
        group = { message, answers: [] };
      }
      (group.message.tool_calls ??= []).push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
      group.answers.push({ role: 'tool', tool_call_id: item.call_id, content: output });
      continue;
    }
    if (item.type === 'function_call_output') {
      // Its answer is placed with its call; it closes a group of parallel calls.
      if (calls.has(item.call_id)) closeGroup();
      continue;
    }
    closeGroup();
    if (item.type !== 'message') continue;
    if (item.role === 'system') {
      const text = item.content.map((p) => p.text).join('\n');
      if (text.trim() !== '') messages.push({ role: 'system', content: text });
    } else if (item.role === 'user') {
      const parts: ChatContentPart[] = [];
      for (const p of item.content) {
        if (p.type === 'input_text') parts.push({ type: 'text', text: p.text });
        else if (p.type === 'input_audio') parts.push({ type: 'text', text: await audioText(item, p.transcript, opts) });
        else if (p.type === 'input_image') parts.push({ type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } });
      }
      const texts = parts.filter((p) => p.type === 'text' && p.text.trim() !== '');
      const images = parts.filter((p) => p.type === 'image_url');
      if (images.length > 0) messages.push({ role: 'user', content: [...texts, ...images] });
      else if (texts.length > 0) messages.push({ role: 'user', content: texts.map((p) => (p as { text: string }).text).join('\n') });
    } else {
      const text = item.content.map((p) => (p.type === 'output_text' ? p.text : (p.transcript ?? ''))).join('');
      if (text.trim() !== '') messages.push({ role: 'assistant', content: text });
    }
  }
  closeGroup();
  return messages;
}

/** Realtime function tools → chat `tools`. */
export function toChatTools(tools: readonly FunctionTool[]): ChatTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, ...(t.description === undefined ? {} : { description: t.description }), ...(t.parameters === undefined ? {} : { parameters: t.parameters }) },
  }));
}

/** Realtime `tool_choice` → chat `tool_choice`; undefined when it has no chat equivalent (MCP). */
export function toChatToolChoice(choice: ToolChoice): ChatToolChoice | undefined {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function') return { type: 'function', function: { name: choice.name } };
  return undefined;
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/**
 * Chat usage → the Realtime usage shape. The model's counts are real; speech
 * made from its text is not counted by it, so `audioOutputTokens` (estimated
 * from the audio's length, as the Realtime API counts output audio) is added.
 */
export function toRealtimeUsage(u: ChatUsage, audioOutputTokens = 0): Usage {
  const input = count(u.prompt_tokens);
  const cached = Math.min(input, count(u.prompt_tokens_details?.cached_tokens));
  const inputAudio = Math.min(input, count(u.prompt_tokens_details?.audio_tokens));
  const outputText = count(u.completion_tokens);
  const outputAudio = count(audioOutputTokens);
  return {
    total_tokens: input + outputText + outputAudio,
    input_tokens: input,
    output_tokens: outputText + outputAudio,
    input_token_details: {
      text_tokens: input - inputAudio,
      audio_tokens: inputAudio,
      image_tokens: 0,
      cached_tokens: cached,
      cached_tokens_details: { text_tokens: cached, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
  } as Usage;
}
