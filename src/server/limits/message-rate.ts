/**
 * Messages per second on one connection, over a sliding one-second window. Synchronous and
 * local (one connection, one counter): it runs on every frame, so no promise and no store.
 */
export class MessageRate {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one message; false when it is one more than allowed in the last second. */
  take(): boolean {
    const t = this.now();
    while (this.head < this.times.length && this.times[this.head]! <= t - 1000) this.head++;
    if (this.head > 1024) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    if (this.times.length - this.head >= this.perSecond) return false;
    this.times.push(t);
    return true;
  }
}
