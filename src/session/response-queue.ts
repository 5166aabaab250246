import type { ServerEvent } from '../protocol/schemas/index.js';

type ResponseBody = Record<string, unknown>;

/**
 * Starts responses on the caller's behalf without racing the conversation: an engine allows
 * one in-band response at a time (a second `response.create` is refused), and out-of-band
 * speech (a filler) must not talk over another answer. Requests wait until nothing is
 * speaking, then go out in order. A response started meanwhile by the caller's own turn
 * makes a waiting in-band request moot: that response already sees everything before it.
 */
export class ResponseQueue {
  private readonly active = new Set<string>();
  /** A response.create we sent and whose response.created has not arrived yet. */
  private inFlight = false;
  private waiting: { body: ResponseBody | undefined; inBand: boolean }[] = [];

  constructor(private readonly send: (event: { type: 'response.create'; response?: ResponseBody }) => void) {}

  get busy(): boolean {
    return this.inFlight || this.active.size > 0;
  }

  /** Asks for a response (in-band unless the body says `conversation: 'none'`). */
  request(body?: ResponseBody): void {
    this.waiting.push({ body, inBand: body?.conversation !== 'none' });
    this.pump();
  }

  /** Drops waiting requests (the session is ending). */
  clear(): void {
    this.waiting = [];
  }

  observe(event: ServerEvent): void {
    if (event.type === 'response.created') {
      const id = event.response.id;
      if (id) this.active.add(id);
      this.inFlight = false;
      // The caller's turn started an in-band answer: waiting in-band requests are satisfied by it.
      if (event.response.conversation_id !== null && event.response.conversation_id !== undefined) this.waiting = this.waiting.filter((w) => !w.inBand);
    } else if (event.type === 'response.done') {
      if (event.response.id) this.active.delete(event.response.id);
      this.pump();
    } else if (event.type === 'error' && this.inFlight && event.error.code === 'conversation_already_has_active_response') {
      // Lost a race with the caller's own turn; that response carries the context.
      this.inFlight = false;
    }
  }

  private pump(): void {
    if (this.busy) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.inFlight = true;
    this.send(next.body ? { type: 'response.create', response: next.body } : { type: 'response.create' });
  }
}
