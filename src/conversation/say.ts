/**
 * `response.metadata` key asking the embedded engine to say exactly the given words. The agent
 * runtime uses it for fillers ("One moment, let me check that.") and polite endings; other
 * engines get the same words as the response's instructions.
 */
export const SAY_METADATA_KEY = 'parley_say';

/** A `response.create` body that makes any engine say `text` out of band, in the session's voice. */
export function sayResponse(text: string): { conversation: 'none'; instructions: string; metadata: Record<string, string>; input: [] } {
  return { conversation: 'none', instructions: `Say exactly this, and nothing else: "${text}"`, metadata: { [SAY_METADATA_KEY]: text }, input: [] };
}

/** Like `sayResponse`, but the words join the conversation (and its record): an agent's greeting. */
export function sayInConversation(text: string): { instructions: string; metadata: Record<string, string> } {
  const { instructions, metadata } = sayResponse(text);
  return { instructions, metadata };
}

/** The words a response was asked to say verbatim (see `sayResponse`), if any. */
export const verbatimWords = (metadata: Record<string, string> | null): string | undefined => metadata?.[SAY_METADATA_KEY] || undefined;
