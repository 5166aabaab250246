/**
 * Below this RMS (−90 dBFS) the microphone is taken to be sending nothing at all: a muted or dead
 * input gives digital zeros, while a quiet room through noise suppression still shows −80 or so.
 */
const SILENT_RMS = 10 ** (-90 / 20);

/**
 * The microphone's level, for the meter, and a warning when nothing at all has arrived for a
 * while: a muted or dead input, not a quiet room (a real room is never this silent).
 */
export class MicLevel {
  private silentSince: number | null = null;
  private warned = false;

  constructor(
    private readonly listener: { level(dbfs: number): void; silent(isSilent: boolean): void },
    private readonly warnAfterMs = 5000,
  ) {}

  /** One measurement (RMS of samples in −1…1). */
  push(rms: number, now = performance.now()): void {
    this.listener.level(rms > 0 ? Math.max(-90, 20 * Math.log10(rms)) : -90);
    if (rms >= SILENT_RMS) {
      this.silentSince = null;
      if (this.warned) this.listener.silent((this.warned = false));
      return;
    }
    this.silentSince ??= now;
    if (!this.warned && now - this.silentSince >= this.warnAfterMs) this.listener.silent((this.warned = true));
  }

  reset(): void {
    this.silentSince = null;
    if (this.warned) this.listener.silent((this.warned = false));
  }
}
