import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Engine } from '../engines/engine.js';
import { newId } from '../protocol/ids.js';
import type { ClientEvent, ServerEvent } from '../protocol/schemas/index.js';
import { ConnectionMachine } from '../state/connection-machine.js';

export interface SessionEnd {
  reason: string;
  /** WebSocket close code the transport should use. */
  code: number;
}

export interface RealtimeSessionInit {
  engine: Engine;
  logger: Logger;
  transport: string;
  agent: string;
  /** The session id (as in `session.created`); default: a new one. */
  id?: string;
}

/**
 * The runtime between a transport and an engine. It owns the session's
 * lifecycle; later layers (tools, memory, records) hook in here, never in a
 * transport or an engine.
 */
export class RealtimeSession {
  readonly id: string;
  readonly connection = new ConnectionMachine('session');
  readonly startedAt = Date.now();
  private readonly emitter = new EventEmitter();
  private ended: SessionEnd | null = null;

  constructor(private readonly init: RealtimeSessionInit) {
    this.id = init.id ?? newId('sess');
    init.engine.onEvent((e) => this.emitter.emit('event', e));
    // A session the agent ended (goodbye, a limit) closes normally; anything else is a failure.
    init.engine.onClose(({ code, reason }) => void this.end(code === 'session_completed' ? { reason, code: 1000 } : { reason: `engine closed: ${reason}`, code: 1011 }));
  }

  get transport(): string {
    return this.init.transport;
  }

  get agent(): string {
    return this.init.agent;
  }

  get engineName(): string {
    return this.init.engine.name;
  }

  onEvent(listener: (e: ServerEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  onEnd(listener: (end: SessionEnd) => void): void {
    this.emitter.once('end', listener);
  }

  /** Opens the session: the engine sends `session.created` first. */
  start(): void {
    this.connection.send('opened');
    this.init.engine.start();
  }

  send(event: ClientEvent): void {
    if (this.ended) return;
    this.init.engine.send(event);
  }

  /**
   * Ends the session the agent's way when its engine has one (a goodbye the caller hears, records
   * flushed), else — or if that takes longer than `graceMs` — with `fallback`.
   */
  async endPolitely(why: 'shutdown', graceMs: number, fallback: SessionEnd): Promise<void> {
    if (this.ended) return;
    const engine = this.init.engine;
    if (engine.sayGoodbye) {
      let timer: NodeJS.Timeout | undefined;
      const ended = new Promise<void>((resolve) => {
        this.emitter.once('end', () => resolve());
        timer = setTimeout(resolve, graceMs);
      });
      engine.sayGoodbye(why);
      await ended;
      clearTimeout(timer);
    }
    await this.end(fallback);
  }

  /** Ends the session once; listeners learn why. */
  async end(end: SessionEnd): Promise<void> {
    if (this.ended) return;
    this.ended = end;
    this.connection.trySend('close');
    this.init.logger.info({ session_id: this.id, reason: end.reason, duration_ms: Date.now() - this.startedAt }, 'session ended');
    await this.init.engine.close(end.reason);
    this.connection.trySend('closed');
    this.emitter.emit('end', end);
  }
}
