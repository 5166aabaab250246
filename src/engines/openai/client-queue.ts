import type { ClientEvent } from '../../protocol/schemas/index.js';

/**
 * Client events held while there is no upstream, replayed in order once there is one.
 * Bounded by count and bytes so an outage can't grow memory without limit; audio never
 * comes here (it is dropped while reconnecting: stale speech is worse than none).
 */
export class ClientQueue {
  private events: { event: ClientEvent; bytes: number }[] = [];
  private bytes = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.events.length;
  }

  /** False when full: the event is not held. */
  push(event: ClientEvent): boolean {
    const bytes = JSON.stringify(event).length;
    if (this.events.length >= this.maxEvents || this.bytes + bytes > this.maxBytes) return false;
    this.events.push({ event, bytes });
    this.bytes += bytes;
    return true;
  }

  peek(): readonly ClientEvent[] {
    return this.events.map((e) => e.event);
  }

  drain(): ClientEvent[] {
    const out = this.events.map((e) => e.event);
    this.events = [];
    this.bytes = 0;
    return out;
  }
}
