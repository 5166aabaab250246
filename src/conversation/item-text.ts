import type { Item } from '../protocol/schemas/index.js';

/** The words of a message item: typed text, or the transcript of its audio. */
export function itemText(item: Item): string {
  if (item.type !== 'message') return '';
  return item.content
    .map((p) => ('text' in p && typeof p.text === 'string' ? p.text : 'transcript' in p && typeof p.transcript === 'string' ? p.transcript : ''))
    .join(' ')
    .trim();
}
