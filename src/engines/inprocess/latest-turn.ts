import type { Item } from '../../protocol/schemas/index.js';

/** What a response answers: nothing yet, the caller's latest words, or a tool result just supplied. */
export type Turn =
  | { kind: 'start' }
  | { kind: 'user'; text: string }
  | { kind: 'tool_result'; name: string; args: Record<string, unknown>; output: string };

function parseArgs(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The turn a response answers: a tool result when the context ends with one,
 * else the latest user message (audio by its transcript, awaited through
 * `transcriptOf` when recognition is still running).
 */
export async function latestTurn(context: readonly Item[], transcriptOf: (itemId: string) => Promise<string | null> = async () => null): Promise<Turn> {
  const last = context.at(-1);
  if (!last) return { kind: 'start' };
  if (last.type === 'function_call_output') {
    const call = context.find((i) => i.type === 'function_call' && i.call_id === last.call_id);
    return call?.type === 'function_call'
      ? { kind: 'tool_result', name: call.name, args: parseArgs(call.arguments), output: last.output }
      : { kind: 'tool_result', name: '', args: {}, output: last.output };
  }
  for (let i = context.length - 1; i >= 0; i--) {
    const item = context[i];
    if (item?.type !== 'message' || item.role !== 'user') continue;
    const parts: string[] = [];
    for (const p of item.content) {
      if (p.type === 'input_text') parts.push(p.text);
      else if (p.type === 'input_audio') parts.push(p.transcript ?? (item.id ? ((await transcriptOf(item.id)) ?? '') : ''));
    }
    return { kind: 'user', text: parts.join(' ').trim() };
  }
  return { kind: 'start' };
}
