import type { Item } from '../../protocol/schemas/index.js';

/** What makes two items the same across the record and the engine's view: the item id, or for tool items the call id. */
function key(item: Item): string {
  if (item.type === 'function_call') return `call:${item.call_id}`;
  if (item.type === 'function_call_output') return `output:${item.call_id}`;
  return item.id ? `id:${item.id}` : `json:${JSON.stringify(item)}`;
}

/**
 * The session's record, with what it lacks filled in from what the engine saw on its upstreams.
 * The record wins where both hold an item (its words are what the caller heard); the engine's
 * view adds what the record doesn't keep — tool calls the client answers itself, system notes —
 * each placed after the item it followed on the upstream, or before the first one it preceded;
 * with nothing in common, after the record.
 */
export function mergeHistory(record: readonly Item[], seen: readonly Item[]): Item[] {
  const out = [...record];
  const keys = out.map(key);
  const insert = (at: number, items: Item[]): void => {
    out.splice(at, 0, ...items);
    keys.splice(at, 0, ...items.map(key));
  };
  let anchor: number | null = null;
  let leading: Item[] = [];
  for (const item of seen) {
    let at = keys.indexOf(key(item));
    if (at >= 0) {
      if (leading.length > 0) {
        insert(at, leading);
        at += leading.length;
        leading = [];
      }
      anchor = at;
    } else if (anchor === null) {
      leading.push(item);
    } else {
      insert(++anchor, [item]);
    }
  }
  if (leading.length > 0) insert(out.length, leading);
  return out;
}
