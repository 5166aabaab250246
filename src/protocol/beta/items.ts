import { isRecord } from './fields.js';

// Beta called assistant content `text`/`audio`; GA says `output_text`/`output_audio`.
// User and system content (`input_text`, `input_audio`, ...) is named the same in both.
const BETA_TO_GA_ASSISTANT = new Map([
  ['text', 'output_text'],
  ['audio', 'output_audio'],
]);
const GA_TO_BETA = new Map([
  ['output_text', 'text'],
  ['output_audio', 'audio'],
]);

/**
 * Beta item → GA item. Only assistant message content is renamed: a beta user
 * message with a `text` part was invalid in beta too, and stays so for the GA
 * validator. `object`/`status` and function call items are identical in both.
 */
export function betaItemToGA(item: unknown): unknown {
  return isRecord(item) && item.role === 'assistant' ? renameContent(item, BETA_TO_GA_ASSISTANT) : item;
}

/** GA item → beta item (only `output_*` content is renamed, whatever the role). */
export function gaItemToBeta(item: unknown): unknown {
  return renameContent(item, GA_TO_BETA);
}

/** GA content part (`response.content_part.*`) → beta part; parts already typed `text`/`audio` pass. */
export function gaContentPartToBeta(part: unknown): unknown {
  return renamePart(part, GA_TO_BETA);
}

function renameContent(item: unknown, names: ReadonlyMap<string, string>): unknown {
  if (!isRecord(item) || !Array.isArray(item.content)) return item;
  return { ...item, content: item.content.map((part: unknown) => renamePart(part, names)) };
}

function renamePart(part: unknown, names: ReadonlyMap<string, string>): unknown {
  if (!isRecord(part) || typeof part.type !== 'string') return part;
  const type = names.get(part.type);
  return type === undefined ? part : { ...part, type };
}
