/**
 * Test audio (not a test file itself: the runner only picks up *.test.ts).
 * Speech comes from espeak-ng, resampled to 16 kHz and trimmed/padded by sox; noise and hum
 * are generated here from a fixed seed so every run mixes exactly the same signal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../src/audio/index.js';
import type { VadEvent, VoiceActivityDetector } from '../../src/engines/local/providers.js';
import { concatPcm16 } from '../../src/audio/pcm16.js';
import { frameLevels as levelsOf, speechSpan as spanOf, type SpeechSpan } from '../../src/audio/speech-span.js';

export const RATE = 16000;

/** Why the audio tools can't run here, or undefined when they can. */
export function missingTools(): string | undefined {
  for (const [tool, arg] of [
    ['espeak-ng', '--version'],
    ['sox', '--version'],
  ] as const) {
    const probe = spawnSync(tool, [arg], { stdio: 'ignore' });
    if (probe.error !== undefined || probe.status !== 0) {
      return `${tool} is not installed (Debian: apt-get install espeak-ng sox); the VAD tests need it to synthesise speech`;
    }
  }
  return undefined;
}

export class AudioFactory {
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-vad-'));
  private count = 0;

  /**
   * Speech for `text` at `rate`, with espeak's own leading and trailing silence trimmed off
   * (sox `silence`, at −60 dBFS) and `beforeS` / `afterS` seconds of digital silence added.
   */
  speech(text: string, beforeS: number, afterS: number, rate = RATE, voice = 'en-us', wpm = 160): Int16Array {
    const raw = join(this.dir, `raw${this.count}.wav`);
    const out = join(this.dir, `speech${this.count++}.wav`);
    execFileSync('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', raw, text]);
    // silence 1 0.01 0.1%: drop audio until 10 ms stay above 0.1% (−60 dBFS); reversed for the tail.
    const trim = ['silence', '1', '0.01', '0.1%'];
    // -D: no random dither, so every run hears exactly the same audio.
    execFileSync('sox', ['-D', raw, '-r', String(rate), '-b', '16', '-c', '1', out, ...trim, 'reverse', ...trim, 'reverse', 'pad', String(beforeS), String(afterS)]);
    const wav = readWav(readFileSync(out));
    if (wav.sampleRate !== rate || wav.channels !== 1) throw new Error(`sox wrote ${wav.sampleRate} Hz × ${wav.channels}`);
    return wav.samples;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Level of each 10 ms frame in dBFS (−100 for digital silence). */
export const frameLevels = (samples: Int16Array, rate = RATE): number[] => levelsOf(samples, rate);

export type { SpeechSpan };

/** Where the speech in a clean (noise-free) signal is, measured on the signal itself. */
export const speechSpan = (samples: Int16Array, rate = RATE): SpeechSpan => spanOf(samples, rate);

export function dbfs(rms: number): number {
  return 20 * Math.log10(rms / 32768);
}

/** Deterministic Gaussian-ish white noise (sum of 4 xorshift uniforms) with unit RMS. */
export function whiteNoise(length: number, seed = 0x2545f491): Float64Array {
  const out = new Float64Array(length);
  let state = seed;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000 - 0.5;
  };
  for (let i = 0; i < length; i++) out[i] = (uniform() + uniform() + uniform() + uniform()) * Math.sqrt(3);
  return normalise(out);
}

/** A sine of unit RMS, e.g. 100 Hz mains hum (twice the 50 Hz mains frequency). */
export function hum(length: number, frequency = 100, rate = RATE): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.SQRT2 * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

/** Brown noise (integrated white noise, leaky): a fan's low-frequency rumble. Unit RMS. */
export function rumble(length: number, seed = 0x1234567): Float64Array {
  const white = whiteNoise(length, seed);
  const out = new Float64Array(length);
  let state = 0;
  for (let i = 0; i < length; i++) out[i] = state = 0.97 * state + white[i]!;
  return normalise(out);
}

function normalise(signal: Float64Array): Float64Array {
  let sum = 0;
  for (const x of signal) sum += x * x;
  const scale = 1 / Math.sqrt(sum / signal.length);
  for (let i = 0; i < signal.length; i++) signal[i]! *= scale;
  return signal;
}

/** `signal` + `unitNoise` scaled to `noiseRms` (int16 units), rounded and clipped to int16. */
export function mix(signal: Int16Array, unitNoise: Float64Array, noiseRms: number): Int16Array {
  const out = new Int16Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(signal[i]! + unitNoise[i]! * noiseRms)));
  }
  return out;
}

/** Scales int16 audio by `gainDb`. */
export function gain(signal: Int16Array, gainDb: number): Int16Array {
  const factor = 10 ** (gainDb / 20);
  return Int16Array.from(signal, (x) => Math.max(-32768, Math.min(32767, Math.round(x * factor))));
}

export const concat = (...parts: Int16Array[]): Int16Array => concatPcm16(parts);

export interface TimedEvent {
  event: VadEvent;
  /** The VAD's clock after the chunk that produced the event: when a caller would see it. */
  seenAtMs: number;
}

/** Feeds `samples` in chunks of `chunkSamples` (cycling through them) and collects the events. */
export function feed(vad: VoiceActivityDetector, samples: Int16Array, chunkSamples: readonly number[] = [320]): TimedEvent[] {
  const out: TimedEvent[] = [];
  for (let offset = 0, k = 0; offset < samples.length; k++) {
    const size = chunkSamples[k % chunkSamples.length]!;
    for (const event of vad.process(samples.subarray(offset, offset + size))) out.push({ event, seenAtMs: vad.clockMs });
    offset += size;
  }
  return out;
}
