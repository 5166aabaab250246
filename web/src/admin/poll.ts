/**
 * Runs `tick` now and then every `intervalMs` after the previous run finished; pauses while the
 * tab is hidden and runs at once when it is shown again. `stop()` ends it for good.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private stopped = false;
  private readonly onVisibility = (): void => {
    if (document.hidden) this.clear();
    else void this.run();
  };

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): this {
    document.addEventListener('visibilitychange', this.onVisibility);
    if (!document.hidden) void this.run();
    return this;
  }

  /** Runs a tick now (e.g. after an action), then carries on at the interval. */
  now(): Promise<void> {
    return this.run();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    if (this.stopped || this.running) return;
    this.clear();
    this.running = true;
    try {
      await this.tick();
    } catch {
      // The tick shows its own errors; polling carries on.
    } finally {
      this.running = false;
    }
    if (!this.stopped && !document.hidden) this.timer = setTimeout(() => void this.run(), this.intervalMs);
  }
}
