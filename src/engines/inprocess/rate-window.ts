/** A sliding one-minute window of weighted events: how much was spent, and when room returns. */
export class RateWindow {
  private readonly entries: { at: number; amount: number }[] = [];

  constructor(
    readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.entries.length > 0 && (this.entries[0]?.at ?? 0) <= cutoff) this.entries.shift();
  }

  used(): number {
    this.prune();
    return this.entries.reduce((s, e) => s + e.amount, 0);
  }

  remaining(): number {
    return Math.max(0, this.limit - this.used());
  }

  /** Seconds until the oldest entry leaves the window. */
  resetSeconds(): number {
    this.prune();
    const first = this.entries[0];
    return first ? Math.max(0, (first.at + this.windowMs - this.now()) / 1000) : 0;
  }

  tryTake(amount = 1): boolean {
    if (this.used() + amount > this.limit) return false;
    this.entries.push({ at: this.now(), amount });
    return true;
  }

  record(amount: number): void {
    this.prune();
    this.entries.push({ at: this.now(), amount });
  }
}
