import type { Logger } from 'pino';
import type { ClientEvent, Item, ServerEvent, SessionConfig } from '../protocol/schemas/index.js';
import type { ReceptionistVocabulary } from './local/brain/nlu/vocabulary.js';

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
  /** Agents only: ends the session their way — a goodbye the caller hears, then a normal close (`session_completed`). */
  sayGoodbye?(why: 'shutdown'): void;
}

export interface EngineLimits {
  maxConversationItems: number;
  maxConversationAudioBytes: number;
  maxInputBufferBytes: number;
  responsesPerMinute: number;
  tokensPerMinute: number;
}

/** What an agent tells an engine beyond the session config (the Realtime protocol has no field for these). */
export interface EngineAgentHints {
  /** What to say when the caller has gone quiet (engines that word their own re-prompt). */
  idlePrompt?: string;
  /** The business the agent speaks for: services, staff, hours (the rule-based brain's words and grammars). */
  vocabulary?: ReceptionistVocabulary;
}

export interface EngineContext {
  /** The session as it starts: model, instructions, audio formats, tools… */
  session: SessionConfig;
  limits: EngineLimits;
  logger: Logger;
  agent?: EngineAgentHints;
  /**
   * The conversation so far, from the session's own record, oldest first: what an engine
   * re-seeds an upstream with after a reconnect. Absent = nothing to re-seed from.
   */
  history?: () => Promise<Item[]>;
  /**
   * Attach to this live call (a WebRTC or SIP call the caller holds with the engine's upstream
   * directly) instead of opening a session of its own: the engine is then the call's sideband.
   * Only engines with an upstream (`openai`) support it.
   */
  call?: { id: string };
}

/** A key for connecting to an engine directly; never the server's own credential. */
export interface DirectClientSecret {
  value: string;
  /** Unix seconds: the last moment it may start a session. */
  expiresAt: number;
  /** The effective session the key carries. */
  session: Record<string, unknown>;
  /** Where the browser sends its WebRTC offer with the key (`…/v1/realtime/calls`). */
  callsUrl: string;
}

export interface EngineFactory {
  readonly name: string;
  /** The model sessions run when nobody names one (default `parley-local`). */
  readonly defaultModel?: string;
  create(ctx: EngineContext): Promise<Engine>;
  /**
   * Engines a browser can connect to directly (OpenAI over WebRTC): a short-lived key whose
   * session is fixed server-side. `session` is a GA session (`type: 'realtime'`, `model`…).
   */
  clientSecret?(session: Record<string, unknown>, ttlS: number): Promise<DirectClientSecret>;
  /** Frees what the engine shares between sessions (worker processes…). */
  close?(): Promise<void>;
}

/**
 * The model a session runs: the client's `?model=`, else the agent's, else the configured one
 * (which is meant for the default engine), else the engine's own default.
 */
export function sessionModel(engine: EngineFactory, config: { default: string; model?: string | undefined }, ...asked: (string | undefined)[]): string {
  return asked.find((m) => m !== undefined) ?? (engine.name === config.default ? config.model : undefined) ?? engine.defaultModel ?? 'parley-local';
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
