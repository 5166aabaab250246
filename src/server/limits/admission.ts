/** A held place among a quota's concurrent sessions; released exactly once. */
export interface Reservation {
  release(): void;
}

/**
 * Concurrent sessions per quota (`key:<id>`, `ip:<address>`), admitted atomically: a place is
 * reserved before the session opens and released when its connection closes, so two callers
 * racing for the last place cannot both get it (a sampled count of live sessions could let
 * both through). In-process; a shared implementation can take its place across nodes.
 */
export interface Admission {
  reserve(quota: string, max: number): Promise<Reservation | null>;
  /** Places held now (for tests and metrics). */
  held(quota: string): Promise<number>;
}

export class InProcessAdmission implements Admission {
  private readonly counts = new Map<string, number>();

  reserve(quota: string, max: number): Promise<Reservation | null> {
    // Check and increment in one synchronous step: nothing can interleave.
    const held = this.counts.get(quota) ?? 0;
    if (held >= max) return Promise.resolve(null);
    this.counts.set(quota, held + 1);
    let released = false;
    return Promise.resolve({
      release: () => {
        if (released) return;
        released = true;
        const left = (this.counts.get(quota) ?? 1) - 1;
        if (left > 0) this.counts.set(quota, left);
        else this.counts.delete(quota);
      },
    });
  }

  held(quota: string): Promise<number> {
    return Promise.resolve(this.counts.get(quota) ?? 0);
  }
}
