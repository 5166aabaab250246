/** What the page asks of the microphone: the browser's own echo cancellation keeps the agent's voice out of it. */
export const MIC_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 };

export function openMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('The microphone needs a secure page (https:// or localhost).', 'SecurityError');
  return navigator.mediaDevices.getUserMedia({ audio: MIC_CONSTRAINTS, video: false });
}

/** Below this RMS (about −70 dBFS) the microphone is taken to be sending nothing at all. */
const SILENT_RMS = 10 ** (-70 / 20);

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

/** Measures a stream's level every 100 ms through an AnalyserNode (for the WebRTC mode, where no worklet sees the samples). */
export function meterStream(ctx: AudioContext, stream: MediaStream, onRms: (rms: number) => void): () => void {
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const s of buf) sum += s * s;
    onRms(Math.sqrt(sum / buf.length));
  }, 100);
  return () => {
    clearInterval(timer);
    source.disconnect();
  };
}
