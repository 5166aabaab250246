import type { Item, ServerEvent } from '../../protocol/schemas/index.js';

interface Entry {
  item: Item & { id: string };
  /** When it completed (0 = not yet): what a rollover catches up on. */
  doneSeq: number;
}

/**
 * The conversation as this engine saw it on its upstreams: items in order, text only (audio
 * bytes are never kept). It is what a new upstream is re-seeded with when the session gives no
 * `history`, and what a rollover catches up on. Bounded: past `maxItems` the oldest go.
 */
export class ConversationLog {
  private entries: Entry[] = [];
  private seqCounter = 0;

  constructor(private readonly maxItems: number) {}

  /** Increases with every completed item. */
  get seq(): number {
    return this.seqCounter;
  }

  observe(event: ServerEvent): void {
    switch (event.type) {
      case 'conversation.item.added':
        return this.put(event.item, event.previous_item_id, false);
      case 'conversation.item.done':
        return this.put(event.item, event.previous_item_id, true);
      case 'response.output_item.done':
        // Only completes an item the conversation holds: out-of-band output (conversation "none") is not in it.
        if (this.find(event.item.id)) this.put(event.item, undefined, true);
        return;
      case 'conversation.item.retrieved': {
        // After a truncation the upstream keeps only what was heard: take its word for the item.
        const entry = this.find(event.item.id);
        if (entry) entry.item = textOnly(event.item, entry.item.id);
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const part = this.part(event.item_id, event.content_index);
        if (part?.type === 'input_audio') part.transcript = event.transcript;
        return;
      }
      case 'conversation.item.truncated': {
        // The upstream drops the transcript of a truncated part (doc §3): nothing unheard stays in context.
        const part = this.part(event.item_id, event.content_index);
        if (part?.type === 'output_audio') part.transcript = '';
        return;
      }
      case 'conversation.item.deleted':
        this.entries = this.entries.filter((e) => e.item.id !== event.item_id);
        return;
      default:
    }
  }

  /** Completed items, oldest first. */
  items(): Item[] {
    return this.entries.filter((e) => e.doneSeq > 0).map((e) => e.item);
  }

  /** Completed items that completed after `seq`, in conversation order. */
  since(seq: number): Item[] {
    return this.entries.filter((e) => e.doneSeq > seq).map((e) => e.item);
  }

  remove(ids: Iterable<string>): void {
    const drop = new Set(ids);
    if (drop.size > 0) this.entries = this.entries.filter((e) => !drop.has(e.item.id));
  }

  private find(id: string | undefined): Entry | undefined {
    return id === undefined ? undefined : this.entries.find((e) => e.item.id === id);
  }

  private part(itemId: string, index: number): { type: string; transcript?: string | undefined } | undefined {
    const item = this.find(itemId)?.item;
    return item?.type === 'message' ? (item.content[index] as { type: string; transcript?: string } | undefined) : undefined;
  }

  private put(item: Item, previousItemId: string | null | undefined, done: boolean): void {
    if (!item.id) return;
    const existing = this.find(item.id);
    if (existing) {
      existing.item = textOnly(item, item.id);
      if (done && existing.doneSeq === 0) existing.doneSeq = ++this.seqCounter;
      return;
    }
    const entry: Entry = { item: textOnly(item, item.id), doneSeq: done ? ++this.seqCounter : 0 };
    // After the previous item when the log holds it; else appended. A null previous id ("first") is
    // taken as append too: servers don't all fill it in, and a wrong "first" would reorder the history.
    const prev = previousItemId ? this.entries.findIndex((e) => e.item.id === previousItemId) : -1;
    const at = prev < 0 ? this.entries.length : prev + 1;
    this.entries.splice(at, 0, entry);
    if (this.entries.length > this.maxItems) this.entries.splice(0, this.entries.length - this.maxItems);
  }
}

/** A copy without audio bytes. */
function textOnly(item: Item, id: string): Item & { id: string } {
  const copy = structuredClone(item) as Item & { id: string };
  copy.id = id;
  if (copy.type === 'message') for (const part of copy.content) if ('audio' in part) delete (part as { audio?: string }).audio;
  return copy;
}
