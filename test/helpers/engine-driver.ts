import type { Engine } from '../../src/engines/engine.js';
import { validateClientEvent } from '../../src/protocol/parse.js';
import type { ServerEvent } from '../../src/protocol/schemas/index.js';

/** Drives an engine with client events (validated as the transport does) and waits for server events. */
export class Driver {
  readonly events: ServerEvent[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly engine: Engine) {
    engine.onEvent((e) => {
      this.events.push(e);
      for (const w of this.waiters) w();
    });
    engine.start();
  }

  send(event: Record<string, unknown>): void {
    const parsed = validateClientEvent(event);
    if (!parsed.ok) throw new Error(`invalid client event: ${parsed.error.message}`);
    this.engine.send(parsed.event);
  }

  /** The next event of `type` after position `from` (default: any so far). */
  async next<T extends ServerEvent['type']>(type: T, from = 0, ms = 5000): Promise<Extract<ServerEvent, { type: T }>> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.type === type);
      if (found) return found as Extract<ServerEvent, { type: T }>;
      if (Date.now() > end) throw new Error(`no ${type} within ${ms} ms; got ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
      this.waiters = [];
    }
  }
}

