import type { ServerEvent } from '../../protocol/schemas/index.js';

/**
 * Cuts an assistant item in the session's conversation to what the caller heard, at a moment
 * the engine accepts it: only items of the conversation (an out-of-band response's item is in
 * none: nothing to cut), and only once the item is finished — one still being generated is
 * cancelled by the engine on barge-in and finished first, then its truncation goes.
 */
export class Truncations {
  /** Assistant message items in the conversation. */
  private readonly conversational = new Set<string>();
  /** Items still being generated. */
  private readonly generating = new Set<string>();
  /** Truncations waiting for their item to be finished. */
  private readonly pending = new Map<string, number>();

  /** `send` puts `conversation.item.truncate` to the session (after the event being handled has reached everyone). */
  constructor(private readonly send: (itemId: string, audioEndMs: number) => void) {}

  /** Every event the session emits, in order. */
  observe(e: ServerEvent): void {
    switch (e.type) {
      case 'response.output_item.added':
        if (e.item.id) this.generating.add(e.item.id);
        return;
      case 'conversation.item.added':
        if (e.item.id && e.item.type === 'message' && e.item.role === 'assistant') this.conversational.add(e.item.id);
        return;
      case 'conversation.item.deleted':
        this.conversational.delete(e.item_id);
        return;
      case 'response.output_item.done': {
        if (!e.item.id) return;
        this.generating.delete(e.item.id);
        const ms = this.pending.get(e.item.id);
        if (ms === undefined) return;
        this.pending.delete(e.item.id);
        return this.truncate(e.item.id, ms);
      }
      default:
    }
  }

  truncate(itemId: string, audioEndMs: number): void {
    if (!this.conversational.has(itemId)) return;
    if (this.generating.has(itemId)) return void this.pending.set(itemId, audioEndMs);
    // The engine is mid-emit: the truncation goes once this event has reached everyone.
    setImmediate(() => this.send(itemId, audioEndMs));
  }
}
