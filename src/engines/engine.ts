import type { Logger } from 'pino';
import type { ClientEvent, ServerEvent, SessionConfig } from '../protocol/schemas/index.js';

export type ServerEventListener = (event: ServerEvent) => void;
export type EngineCloseListener = (info: { code: string; reason: string }) => void;

/**
 * An engine produces the conversation. It takes GA client events (already
 * validated) and emits GA server events: the Realtime protocol is the whole
 * contract, so a transport never knows which engine runs.
 * `send` never throws; problems come back as `error` events.
 */
export interface Engine {
  readonly name: string;
  /** Emits `session.created`: the first event of every session. */
  start(): void;
  send(event: ClientEvent): void;
  onEvent(listener: ServerEventListener): () => void;
  /** Fires once when the engine can no longer serve (upstream gone, fatal error). */
  onClose(listener: EngineCloseListener): () => void;
  close(reason?: string): Promise<void>;
}

export interface EngineLimits {
  maxConversationItems: number;
  maxConversationAudioBytes: number;
  maxInputBufferBytes: number;
  responsesPerMinute: number;
  tokensPerMinute: number;
}

export interface EngineContext {
  /** The session as it starts: model, instructions, audio formats, tools… */
  session: SessionConfig;
  limits: EngineLimits;
  logger: Logger;
}

export interface EngineFactory {
  readonly name: string;
  create(ctx: EngineContext): Promise<Engine>;
  /** Frees what the engine shares between sessions (worker processes…). */
  close?(): Promise<void>;
}

/** Engines by name, so agents and `?model=` can pick one without knowing its module. */
export class EngineRegistry {
  private readonly factories = new Map<string, EngineFactory>();

  register(factory: EngineFactory): this {
    this.factories.set(factory.name, factory);
    return this;
  }

  get(name: string): EngineFactory | undefined {
    return this.factories.get(name);
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.factories.values()].map((f) => f.close?.()));
  }
}
