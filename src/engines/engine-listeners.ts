import type { ServerEvent } from '../protocol/schemas/index.js';
import type { EngineCloseListener, ServerEventListener } from './engine.js';

/**
 * The listener half of `Engine`, for engines and engine wrappers: every server event to every
 * listener, and the close to its listeners once.
 */
export class EngineListeners {
  private readonly events = new Set<ServerEventListener>();
  private readonly closes = new Set<EngineCloseListener>();

  onEvent(listener: ServerEventListener): () => void {
    this.events.add(listener);
    return () => this.events.delete(listener);
  }

  onClose(listener: EngineCloseListener): () => void {
    this.closes.add(listener);
    return () => this.closes.delete(listener);
  }

  /** To every listener. With `onError`, one that throws is reported and the others still hear the event; without, the throw propagates. */
  emit(event: ServerEvent, onError?: (err: unknown) => void): void {
    for (const listener of [...this.events]) {
      if (!onError) listener(event);
      else {
        try {
          listener(event);
        } catch (err) {
          onError(err);
        }
      }
    }
  }

  /** Tells the close listeners, then forgets them: a second close tells nobody. */
  close(info: { code: string; reason: string }): void {
    const listeners = [...this.closes];
    this.closes.clear();
    for (const listener of listeners) listener(info);
  }

  /** Forgets every listener (the engine is gone). */
  clear(): void {
    this.events.clear();
    this.closes.clear();
  }
}
