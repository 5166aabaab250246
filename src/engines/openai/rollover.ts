import type { Logger } from 'pino';

export interface RolloverHooks<P> {
  /** Nothing in flight: switching now goes unnoticed. */
  isQuiet(): boolean;
  /** Opens a new upstream and puts the session on it (not yet serving). */
  prepare(): Promise<P>;
  /** Switches to the prepared upstream (`forced`: no quiet moment came in time); false when it could not be used. */
  commit(prepared: P, forced: boolean): boolean;
  /** Closes a prepared upstream that will not be used. */
  discard(prepared: P): void;
  logger: Logger;
}

export interface RolloverOptions {
  afterMs: number;
  graceMs: number;
  /** Wait before preparing again when preparing failed. */
  retryMs: number;
}

type Phase = 'idle' | 'waiting' | 'preparing' | 'ready';

/**
 * Moves a session to a fresh upstream before the old one reaches OpenAI's session limit.
 * `arm` at each new upstream: after `afterMs` a replacement is prepared in the background,
 * and taken at the next quiet moment (`quietMoment`, called after events that can end
 * activity); `graceMs` later it is taken whatever is going on. Runs of an older `arm` (or
 * after `disarm`) drop what they prepared.
 */
export class Rollover<P> {
  private epoch = 0;
  private phase: Phase = 'idle';
  private prepared: P | null = null;
  private forced = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly opts: RolloverOptions,
    private readonly hooks: RolloverHooks<P>,
  ) {}

  arm(): void {
    this.disarm();
    this.phase = 'waiting';
    this.after(this.opts.afterMs, () => this.due());
    this.after(this.opts.afterMs + this.opts.graceMs, () => this.force());
  }

  disarm(): void {
    this.epoch++;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.prepared !== null) this.hooks.discard(this.prepared);
    this.prepared = null;
    this.phase = 'idle';
    this.forced = false;
  }

  quietMoment(): void {
    if (this.phase === 'ready' && this.hooks.isQuiet()) this.commit(false);
  }

  /** The prepared upstream went away before it was used: prepare another. */
  preparedLost(): void {
    if (this.phase !== 'ready') return;
    this.prepared = null;
    this.phase = 'waiting';
    this.after(this.opts.retryMs, () => this.due());
  }

  private due(): void {
    if (this.phase === 'waiting') this.prepare();
  }

  private force(): void {
    this.forced = true;
    if (this.phase === 'ready') this.commit(true);
    else this.due();
  }

  private prepare(): void {
    this.phase = 'preparing';
    const epoch = this.epoch;
    this.hooks.logger.info('preparing a new upstream before the session limit');
    this.hooks.prepare().then(
      (p) => {
        if (epoch !== this.epoch) return this.hooks.discard(p);
        this.prepared = p;
        this.phase = 'ready';
        if (this.forced) this.commit(true);
        else this.quietMoment();
      },
      (err: Error) => {
        if (epoch !== this.epoch) return;
        this.hooks.logger.warn({ code: (err as { code?: string }).code, err_message: err.message }, 'could not prepare a new upstream; trying again');
        this.phase = 'waiting';
        this.after(this.opts.retryMs, () => this.due());
      },
    );
  }

  private commit(forced: boolean): void {
    const p = this.prepared;
    if (p === null) return;
    this.prepared = null;
    this.phase = 'idle';
    // Taken: the engine arms again for the new upstream. Not usable: prepare another soon (the grace timer still runs).
    if (this.hooks.commit(p, forced)) return;
    this.phase = 'waiting';
    this.after(this.opts.retryMs, () => this.due());
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    // A long timer must not keep the process alive on its own.
    t.unref();
    this.timers.push(t);
  }
}
