import { writeWav } from '../../audio/index.js';
import { TALK_RATE } from './player.js';

interface Piece {
  /** First sample, counted from the timeline's start. */
  at: number;
  samples: Int16Array;
}

/**
 * The agent's audio laid out on the conversation's own clock, for `--output`: each chunk at
 * the moment it (really or virtually) started playing, silence wherever the agent was silent,
 * and nothing of what a barge-in cut off.
 */
export class Timeline {
  private pieces: Piece[] = [];

  /** `startMs`: the clock time (same clock as the player's) of sample 0. */
  constructor(private readonly startMs: number) {}

  add(atMs: number, pcm: Buffer): void {
    const samples = new Int16Array(pcm.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2);
    this.pieces.push({ at: this.sampleAt(atMs), samples });
  }

  /** Drops everything scheduled from `atMs` on (it was never heard). */
  cut(atMs: number): void {
    const cut = this.sampleAt(atMs);
    this.pieces = this.pieces.filter((p) => p.at < cut).map((p) => (p.at + p.samples.length > cut ? { at: p.at, samples: p.samples.subarray(0, cut - p.at) } : p));
  }

  /** The audio from the start up to `endMs` (or the last sample, if later). */
  render(endMs: number): Int16Array {
    const end = Math.max(this.sampleAt(endMs), ...this.pieces.map((p) => p.at + p.samples.length));
    const out = new Int16Array(Math.max(0, end));
    for (const p of this.pieces) out.set(p.samples, p.at);
    return out;
  }

  /** `render` as a PCM16 24 kHz mono WAV file. */
  toWav(endMs: number): Buffer {
    return writeWav({ sampleRate: TALK_RATE, channels: 1, samples: this.render(endMs) });
  }

  private sampleAt(ms: number): number {
    return Math.max(0, Math.round(((ms - this.startMs) * TALK_RATE) / 1000));
  }
}
