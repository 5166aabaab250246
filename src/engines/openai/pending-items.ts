import type { ServerEvent } from '../../protocol/schemas/index.js';
import type { ItemCreateEvent } from './reseed.js';

/**
 * Items the caller created that the upstream has not confirmed yet. A connection can die
 * with them in flight (a tool result sent just as the socket dropped): they are sent again
 * to the next upstream. Entries unconfirmed for `staleAfterMs` are taken as refused.
 */
export class PendingItems {
  private readonly items = new Map<string, { event: ItemCreateEvent; at: number }>();

  constructor(
    private readonly staleAfterMs: number,
    private readonly max = 256,
  ) {}

  add(event: ItemCreateEvent & { item: { id: string } }): void {
    this.items.set(event.item.id, { event, at: Date.now() });
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value as string);
  }

  observe(e: ServerEvent): void {
    if (e.type === 'conversation.item.added' || e.type === 'conversation.item.done') {
      if (e.item.id) this.items.delete(e.item.id);
    }
  }

  /** The upstream refused the event with this id. */
  refused(eventId: string | null | undefined): void {
    if (!eventId) return;
    for (const [id, p] of this.items) if (p.event.event_id === eventId) this.items.delete(id);
  }

  get size(): number {
    this.prune();
    return this.items.size;
  }

  /** Unconfirmed item events, oldest first, and forgets them. */
  take(): ItemCreateEvent[] {
    this.prune();
    const out = [...this.items.values()].map((p) => p.event);
    this.items.clear();
    return out;
  }

  private prune(): void {
    const cutoff = Date.now() - this.staleAfterMs;
    for (const [id, p] of this.items) if (p.at < cutoff) this.items.delete(id);
  }
}
