import { newId } from '../../protocol/ids.js';
import { validateClientEvent } from '../../protocol/parse.js';
import type { ClientEventOf, Item } from '../../protocol/schemas/index.js';

export type ItemCreateEvent = ClientEventOf<'conversation.item.create'>;

export interface SeedPlan {
  /** One `conversation.item.create` per item, in order, each with an item id and an `event_id`. */
  events: ItemCreateEvent[];
  /** Items left out, with why (logged). */
  skipped: { id: string | undefined; type: string; reason: string }[];
}

/** OpenAI caps item ids at 32 characters; ids Parley and OpenAI generate fit. */
const KEEPABLE_ID = /^[A-Za-z0-9_-]{1,32}$/;

type Part = { type: string; text?: string; transcript?: string | null; audio?: string | null; image_url?: string; detail?: string };

/**
 * The history as `conversation.item.create` events for a fresh upstream. Text is what can be
 * re-created: user audio becomes its transcript, assistant audio its transcript as
 * `output_text` (a client can't create assistant audio); parts with neither are dropped, and
 * items left empty too. Item ids are kept where the protocol allows, so the conversation
 * reads the same; a tool result is kept only after its call (the upstream refuses an orphan),
 * and remote-MCP items are not re-created. `knownCallIds`: calls already on the upstream.
 */
export function planReseed(items: readonly Item[], knownCallIds: ReadonlySet<string> = new Set(), usedIds: ReadonlySet<string> = new Set()): SeedPlan {
  const events: ItemCreateEvent[] = [];
  const skipped: SeedPlan['skipped'] = [];
  const calls = new Set(knownCallIds);
  const ids = new Set(usedIds);
  for (const item of items) {
    const skip = (reason: string) => void skipped.push({ id: item.id, type: item.type, reason });
    const body = clientItem(item, calls);
    if (typeof body === 'string') {
      skip(body);
      continue;
    }
    const id = item.id && KEEPABLE_ID.test(item.id) && !ids.has(item.id) ? item.id : newId('item');
    ids.add(id);
    const parsed = validateClientEvent({ type: 'conversation.item.create', event_id: newId('event'), item: { ...body, id } });
    if (!parsed.ok) {
      skip(`not a valid item: ${parsed.error.message}`);
      continue;
    }
    if (item.type === 'function_call') calls.add(item.call_id);
    events.push(parsed.event as ItemCreateEvent);
  }
  return { events, skipped };
}

/** The item as a client may create it (checked by the caller against the schema), or why it can't be. */
function clientItem(item: Item, calls: ReadonlySet<string>): Record<string, unknown> | string {
  switch (item.type) {
    case 'message': {
      const content = (item.content as Part[]).map((p) => clientPart(p, item.role)).filter((p) => p !== null);
      if (content.length === 0) return 'no text left to re-create (audio without a transcript)';
      return { type: 'message', role: item.role, content };
    }
    case 'function_call':
      return { type: 'function_call', call_id: item.call_id, name: item.name, arguments: item.arguments };
    case 'function_call_output':
      if (!calls.has(item.call_id)) return `its function_call (${item.call_id}) is not in the history`;
      return { type: 'function_call_output', call_id: item.call_id, output: item.output };
    default:
      return 'remote-MCP items are not re-created';
  }
}

function clientPart(p: Part, role: 'system' | 'user' | 'assistant'): Record<string, unknown> | null {
  if (role === 'assistant') {
    if (p.type === 'output_text' || p.type === 'text') return p.text ? { type: 'output_text', text: p.text } : null;
    if (p.type === 'output_audio' || p.type === 'audio') return p.transcript ? { type: 'output_text', text: p.transcript } : null;
    return null;
  }
  if (p.type === 'input_text') return { type: 'input_text', text: p.text ?? '' };
  if (role === 'system') return null;
  if (p.type === 'input_audio') {
    if (p.transcript) return { type: 'input_text', text: p.transcript };
    return p.audio ? { type: 'input_audio', audio: p.audio } : null;
  }
  if (p.type === 'input_image' && p.image_url) return { type: 'input_image', image_url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) };
  return null;
}
