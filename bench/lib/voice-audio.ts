/**
 * Speech and noise for the voice benchmarks (recognition, latency). Speech comes from
 * espeak-ng, converted and trimmed by sox; noise is generated here from fixed seeds, so every
 * run hears exactly the same audio. Self-contained on purpose: benchmarks must not change
 * when test helpers do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../src/audio/index.js';
import { concatPcm16 } from '../../src/audio/pcm16.js';
import { speechSpan } from '../../src/audio/speech-span.js';
import { mix } from '../../test/helpers/speech-audio.js';

/** Why espeak-ng / sox can't run here, or undefined when they can. */
export function missingAudioTools(): string | undefined {
  for (const tool of ['espeak-ng', 'sox']) {
    const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (probe.error !== undefined || probe.status !== 0) return `${tool} is not installed (Debian: sudo apt-get install -y espeak-ng sox)`;
  }
  return undefined;
}

/** espeak-ng speech, resampled by sox and trimmed of espeak's own leading/trailing silence. */
export class SpeechSynth {
  private readonly dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  private count = 0;

  /** `text` spoken by espeak-ng `voice` at `wpm`, mono PCM16 at `rate`, no silence either side. */
  speak(text: string, voice: string, wpm: number, rate = 16000): Int16Array {
    const raw = join(this.dir, `raw${this.count}.wav`);
    const out = join(this.dir, `speech${this.count++}.wav`);
    execFileSync('espeak-ng', ['-v', voice, '-s', String(wpm), '-w', raw, '--', text]);
    // silence 1 0.01 0.1%: drop audio until 10 ms stay above 0.1% (−60 dBFS); reversed for the tail.
    const trim = ['silence', '1', '0.01', '0.1%'];
    // -D: no random dither, so every run hears exactly the same audio.
    execFileSync('sox', ['-D', raw, '-r', String(rate), '-b', '16', '-c', '1', out, ...trim, 'reverse', ...trim, 'reverse']);
    const wav = readWav(readFileSync(out));
    if (wav.sampleRate !== rate || wav.channels !== 1) throw new Error(`sox wrote ${wav.sampleRate} Hz × ${wav.channels}`);
    return wav.samples;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Gaussian-ish white noise of unit RMS, as a seeded stream (shared with `parley load`). */
export { WhiteNoise } from '../../src/audio/white-noise.js';

/** `signal` + `noise` × `noiseRms` (int16 units), rounded and clipped to int16: the test helpers' mix. */
export const addNoise = mix;

/** `ms` of digital silence at `rate`. */
export const silence = (ms: number, rate = 16000): Int16Array => new Int16Array(Math.round((ms * rate) / 1000));

export const concat = (...parts: Int16Array[]): Int16Array => concatPcm16(parts);

/** int16 RMS for a level in dBFS (0 dBFS = RMS of 32768). */
export const rmsOfDbfs = (dbfs: number): number => 32768 * 10 ** (dbfs / 20);

/**
 * Active speech level in dBFS after ITU-T P.56 method B (the `sv56` algorithm): the signal's
 * energy over the time it is active, where "active" means its envelope (|x| smoothed twice with
 * a 30 ms time constant, 200 ms hangover) is above a threshold set 15.9 dB below that active
 * level. Pauses between words do not count, so a slow talker is not rated quieter than a fast
 * one, which is what makes an SNR "relative to the active level" comparable across voices.
 * Returns null when the signal has no activity.
 */
export function activeSpeechLevelDbfs(samples: Int16Array, rate: number): number | null {
  const M = 15.9;
  const hangover = Math.ceil(rate * 0.2);
  const g = Math.exp(-1 / (rate * 0.03));
  // Thresholds 2^-15 … 2^-1 of full scale, as sv56 does for 16-bit input.
  const thresholds = Array.from({ length: 15 }, (_, j) => 2 ** (j - 15));
  const active = new Array<number>(thresholds.length).fill(0);
  const hang = new Array<number>(thresholds.length).fill(hangover);
  let p = 0;
  let q = 0;
  let energy = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]! / 32768;
    energy += x * x;
    p = g * p + (1 - g) * Math.abs(x);
    q = g * q + (1 - g) * p;
    for (let j = 0; j < thresholds.length; j++) {
      if (q >= thresholds[j]!) {
        active[j]!++;
        hang[j] = 0;
      } else if (hang[j]! < hangover) {
        active[j]!++;
        hang[j]!++;
      } else break;
    }
  }
  if (active[0] === 0) return null;
  const A = active.map((a) => (a > 0 ? 10 * Math.log10(energy / a) : Infinity));
  const C = thresholds.map((c) => 20 * Math.log10(c));
  if (A[0]! - C[0]! < M) return null;
  for (let j = 1; j < thresholds.length; j++) {
    if (active[j] === 0) break;
    const delta = A[j]! - C[j]!;
    if (delta <= M) {
      // The crossing A − C = M between thresholds j−1 and j, interpolated in dB.
      const prev = A[j - 1]! - C[j - 1]!;
      const t = (prev - M) / (prev - delta);
      return A[j - 1]! + t * (A[j]! - A[j - 1]!);
    }
  }
  return null;
}

/**
 * End of the speech in a clean signal, in ms: the end of the last 10 ms frame within 40 dB of
 * the loudest frame (espeak's tails fade out; this is where a listener hears the last sound).
 */
export const speechEndMs = (samples: Int16Array, rate: number): number => speechSpan(samples, rate).endMs;

/** Words as a transcript is compared: lower case, letters, digits, apostrophes and hyphens. */
export const words = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9' -]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
