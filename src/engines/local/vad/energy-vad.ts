import type { VadEvent, VadSettings, VoiceActivityDetector } from '../providers.js';
import { highPassBiquad, lowPassBiquad, type BiquadCoefficients } from './biquad.js';
import { NoiseFloorTracker } from './noise-floor.js';
import { energyVadLevels, type EnergyVadLevels } from './threshold.js';

/*
 * Energy VAD with an adaptive noise floor.
 *
 * The input is band-passed to the telephone speech band (300–3400 Hz, two biquads) and cut into
 * 10 ms frames on the VAD's own sample clock, so chunk boundaries never matter. Per frame:
 *
 * 1. level = mean square of the band-passed samples over the last 20 ms (this frame and the one
 *    before), in dBFS (−100 for digital silence);
 * 2. it is a *speech frame* when level > max(floor + margin, minimum) (threshold.ts maps the
 *    protocol threshold to both); while a turn is open both gates are `hysteresisDb` lower, so
 *    the quieter ends of words keep it open;
 * 3. the floor, the minimum level over the last ~2 s (noise-floor.ts), is updated after the
 *    decision. It falls at once and rises only when the quieter frames leave the window, so
 *    steady noise sets it, while speech, which dips between syllables, hardly moves it.
 *
 * Both the band-pass and the 20 ms window were chosen by measurement: six espeak-ng utterances,
 * each mixed with three draws of generated white, pink and brown noise and 100 Hz hum (with and
 * without harmonics) at 30 to 0 dB SNR, counting clips that gave exactly one turn:
 * - without the band-pass, brown noise (fan rumble) swings several dB from one frame to the
 *   next, so floor + margin kept being crossed and turns ended up to 1.3 s late (only 7–12 of 18
 *   clips gave one clean turn, at any SNR from 30 down to 5 dB); 100 Hz hum at 5 dB SNR broke
 *   half the turns. With it, brown noise and hum work down to 0 dB SNR, white and pink to 5 dB.
 * - with 10 ms windows the same brown noise still ended some turns 340–450 ms late at 5–20 dB
 *   SNR; 20 ms windows shrink the spread of the noise's levels (worst max−min over 2 s: 8.7 →
 *   5.3 dB) and no turn ended more than 10 ms late. 30 ms windows brought late ends back with
 *   short lead-ins and let 40 ms clicks through.
 *
 * Onset: `onsetFrames` speech frames among the last `onsetWindowFrames` (default 7 of 10) open a
 * turn, so clicks up to 40 ms never do. The onset time is the start of the oldest speech frame in
 * that window; `speech_started` reports it minus `prefixPaddingMs`, floored at 0.
 *
 * Offset: the turn closes once `silenceDurationMs` have passed since the end of the last speech
 * frame; `speech_stopped` reports that moment, so like OpenAI's `audio_end_ms` it includes the
 * silence window.
 *
 * Limits: noise that starts suddenly (a fan switched on) reads as speech until the floor catches
 * up: one spurious turn ending about floorWindowMs + silenceDurationMs after the noise began. A
 * steady sound present from the very first sample is taken for background. Babble and other
 * speech-like noise are speech to an energy detector.
 *
 * Cost: two biquads and a multiply-add per sample, one log10 and a few comparisons per frame;
 * nothing is allocated except the returned (usually empty) event array.
 */

/** Tuning knobs; the defaults are what the tests and measurements were run with. */
export interface EnergyVadOptions {
  /** Frame (hop) length in ms; levels are measured over two frames (default 10). */
  frameMs?: number;
  /** Speech frames needed within the onset window to open a turn (default 7). */
  onsetFrames?: number;
  /** Onset window in frames (default 10). */
  onsetWindowFrames?: number;
  /** How much lower (dB) both gates are while a turn is open (default 3). */
  hysteresisDb?: number;
  /** Length of the noise floor's minimum window in ms (default 2000). */
  floorWindowMs?: number;
  /** High-pass cutoff in Hz before levels are measured; 0 turns it off (default 300). */
  highPassHz?: number;
  /** Low-pass cutoff in Hz before levels are measured; 0 turns it off (default 3400). */
  lowPassHz?: number;
}

/** The protocol's documented server_vad defaults. */
export const DEFAULT_VAD_SETTINGS: Readonly<VadSettings> = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };

const FULL_SCALE_SQUARED = 32768 * 32768;
const SILENCE_DBFS = -100;
/** Sub-blocks of the floor window: more make the rise smoother, fewer the update cheaper. */
const FLOOR_BLOCKS = 8;

export class EnergyVad implements VoiceActivityDetector {
  readonly sampleRate: number;

  private readonly frameSamples: number;
  private readonly onsetFrames: number;
  private readonly hysteresisDb: number;
  private readonly floor: NoiseFloorTracker;
  private readonly hp: BiquadCoefficients;
  private readonly lp: BiquadCoefficients;

  private settings: VadSettings;
  private levels: EnergyVadLevels;

  // The sample clock and the frame being filled.
  private samplesProcessed = 0;
  private framesDone = 0;
  private frameSum = 0;
  private frameFill = 0;
  /** Mean square of the previous frame. */
  private previousMeanSquare = 0;
  // Filter state: input x, high-passed y, band-passed z (last two values of each).
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  private z1 = 0;
  private z2 = 0;

  // Onset window: speech flags of the latest frames, as a ring.
  private readonly onsetRing: Uint8Array;
  private ringPos = 0;
  private ringCount = 0;

  private inSpeech = false;
  /** Sample index at which the last speech frame of the open turn ended. */
  private lastSpeechEnd = 0;

  constructor(sampleRate = 16000, settings: VadSettings = DEFAULT_VAD_SETTINGS, options: EnergyVadOptions = {}) {
    if (!(Number.isFinite(sampleRate) && sampleRate > 0)) throw new RangeError(`EnergyVad: invalid sample rate ${sampleRate}`);
    const frameMs = options.frameMs ?? 10;
    const onsetWindow = options.onsetWindowFrames ?? 10;
    const onsetFrames = options.onsetFrames ?? 7;
    const floorWindowMs = options.floorWindowMs ?? 2000;
    if (!(frameMs > 0 && floorWindowMs > 0) || !Number.isInteger(onsetWindow) || !Number.isInteger(onsetFrames) || onsetFrames < 1 || onsetFrames > onsetWindow) {
      throw new RangeError(`EnergyVad: invalid options ${JSON.stringify(options)}`);
    }
    this.sampleRate = sampleRate;
    this.frameSamples = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
    this.onsetRing = new Uint8Array(onsetWindow);
    this.onsetFrames = onsetFrames;
    this.hysteresisDb = options.hysteresisDb ?? 3;
    this.floor = new NoiseFloorTracker(FLOOR_BLOCKS, Math.max(1, Math.round(floorWindowMs / FLOOR_BLOCKS / frameMs)));
    this.hp = highPassBiquad(options.highPassHz ?? 300, sampleRate);
    this.lp = lowPassBiquad(options.lowPassHz ?? 3400, sampleRate);
    this.settings = sanitize(settings);
    this.levels = energyVadLevels(this.settings.threshold);
  }

  get clockMs(): number {
    return (this.samplesProcessed * 1000) / this.sampleRate;
  }

  /** The noise floor estimate in dBFS, measured after the band-pass. */
  get noiseFloorDbfs(): number {
    return this.floor.level;
  }

  /** Whether a turn is open (between `speech_started` and `speech_stopped`). */
  get speaking(): boolean {
    return this.inSpeech;
  }

  configure(settings: VadSettings): void {
    this.settings = sanitize(settings);
    this.levels = energyVadLevels(this.settings.threshold);
  }

  reset(): void {
    this.inSpeech = false;
    this.clearOnsetWindow();
  }

  process(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    const frame = this.frameSamples;
    const { b0: hb0, b1: hb1, b2: hb2, a1: ha1, a2: ha2 } = this.hp;
    const { b0: lb0, b1: lb1, b2: lb2, a1: la1, a2: la2 } = this.lp;
    let { x1, x2, y1, y2, z1, z2 } = this;
    let sum = this.frameSum;
    let fill = this.frameFill;
    let i = 0;
    while (i < samples.length) {
      const end = Math.min(samples.length, i + frame - fill);
      fill += end - i;
      for (; i < end; i++) {
        const x = samples[i]!;
        const y = hb0 * x + hb1 * x1 + hb2 * x2 - ha1 * y1 - ha2 * y2;
        const z = lb0 * y + lb1 * y1 + lb2 * y2 - la1 * z1 - la2 * z2;
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        z2 = z1;
        z1 = z;
        sum += z * z;
      }
      if (fill === frame) {
        this.endFrame(sum / frame, events);
        sum = 0;
        fill = 0;
      }
    }
    this.x1 = x1;
    this.x2 = x2;
    this.y1 = y1;
    this.y2 = y2;
    this.z1 = z1;
    this.z2 = z2;
    this.frameSum = sum;
    this.frameFill = fill;
    this.samplesProcessed += samples.length;
    return events;
  }

  private endFrame(frameMeanSquare: number, events: VadEvent[]): void {
    // Levels are measured over 20 ms windows (this 10 ms frame and the one before), hopping by 10 ms.
    const meanSquare = this.framesDone === 0 ? frameMeanSquare : (frameMeanSquare + this.previousMeanSquare) / 2;
    this.previousMeanSquare = frameMeanSquare;
    const level = meanSquare > 0 ? Math.max(SILENCE_DBFS, 10 * Math.log10(meanSquare / FULL_SCALE_SQUARED)) : SILENCE_DBFS;
    const slack = this.inSpeech ? this.hysteresisDb : 0;
    const speech = level > Math.max(this.floor.level + this.levels.marginDb, this.levels.minLevelDbfs) - slack;
    this.floor.update(level);
    this.framesDone++;
    const frameEnd = this.framesDone * this.frameSamples;

    if (this.inSpeech) {
      if (speech) {
        this.lastSpeechEnd = frameEnd;
      } else if ((frameEnd - this.lastSpeechEnd) * 1000 >= this.settings.silenceDurationMs * this.sampleRate) {
        this.inSpeech = false;
        this.clearOnsetWindow();
        events.push({ type: 'speech_stopped', audioEndMs: this.toMs(frameEnd) });
      }
      return;
    }

    const ring = this.onsetRing;
    const flag = speech ? 1 : 0;
    this.ringCount += flag - ring[this.ringPos]!;
    ring[this.ringPos] = flag;
    this.ringPos = (this.ringPos + 1) % ring.length;
    if (this.ringCount < this.onsetFrames) return;

    // The oldest speech frame in the window marks the onset; ringPos now points at the oldest slot.
    let framesBack = ring.length;
    while (ring[(this.ringPos + ring.length - framesBack) % ring.length] === 0) framesBack--;
    const onset = frameEnd - framesBack * this.frameSamples;
    this.inSpeech = true;
    this.lastSpeechEnd = frameEnd;
    this.clearOnsetWindow();
    const padding = (this.settings.prefixPaddingMs * this.sampleRate) / 1000;
    events.push({ type: 'speech_started', audioStartMs: this.toMs(Math.max(0, onset - padding)) });
  }

  private clearOnsetWindow(): void {
    this.onsetRing.fill(0);
    this.ringCount = 0;
    this.ringPos = 0;
  }

  private toMs(sample: number): number {
    return Math.round((sample * 1000) / this.sampleRate);
  }
}

/** Settings arrive validated from the session; this only keeps nonsense from breaking the clock math. */
function sanitize(settings: VadSettings): VadSettings {
  const nonNegative = (value: number, fallback: number) => (Number.isFinite(value) ? Math.max(0, value) : fallback);
  return {
    threshold: Number.isFinite(settings.threshold) ? settings.threshold : DEFAULT_VAD_SETTINGS.threshold,
    prefixPaddingMs: nonNegative(settings.prefixPaddingMs, DEFAULT_VAD_SETTINGS.prefixPaddingMs),
    silenceDurationMs: nonNegative(settings.silenceDurationMs, DEFAULT_VAD_SETTINGS.silenceDurationMs),
  };
}
