import type { Item } from '../protocol/schemas/index.js';
import type { SessionDetail } from '../store/types.js';

const json = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/**
 * A session's conversation rebuilt from its record, oldest first: what each side said (the
 * agent's words as the caller heard them, after a barge-in) and each tool call with its
 * result, to re-seed an engine after a reconnect. Audio comes back as its transcript; item ids
 * are kept, so a client sees the items it already knows. A tool call sits where it finished,
 * after the words that led to it.
 */
export function conversationHistory(detail: Pick<SessionDetail, 'transcript' | 'toolCalls'>): Item[] {
  const said = detail.transcript.map((t) => ({
    at: t.at,
    items: [
      (t.role === 'user'
        ? { id: t.itemId, type: 'message', role: 'user', content: [{ type: 'input_text', text: t.text }] }
        : { id: t.itemId, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: t.text }] }) as Item,
    ],
  }));
  const done = detail.toolCalls.map((c) => ({
    at: c.at,
    items: [
      { type: 'function_call', call_id: c.callId, name: c.name, arguments: json(c.arguments) } as Item,
      { type: 'function_call_output', call_id: c.callId, output: json(c.output) } as Item,
    ],
  }));
  // Stable: records written at the same instant keep their order.
  return [...said, ...done].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).flatMap((e) => e.items);
}
