/** One sentence as espeak-ng spoke it. */
export interface CachedSpeech {
  samples: Int16Array;
  sampleRate: number;
}

/**
 * Sentences already synthesized, by voice, pitch, speed and text, least recently used out
 * first within a byte budget. An agent says the same sentences over and over (its greeting,
 * "What day works for you?", "Anything else?"), and each espeak-ng run costs a process spawn
 * that blocks the event loop for milliseconds — with a hundred calls starting together, seconds.
 */
export class SpeechCache {
  private readonly entries = new Map<string, CachedSpeech>();
  private bytes = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): CachedSpeech | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, speech: CachedSpeech): void {
    const size = speech.samples.byteLength;
    if (size > this.maxBytes / 4 || this.entries.has(key)) return;
    this.entries.set(key, speech);
    this.bytes += size;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.samples.byteLength;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A cached sentence read like a running espeak-ng process: all of it at once, then the end. */
export class CachedSegment {
  readonly channels = 1;
  readonly finished = true;
  private done = false;

  constructor(private readonly speech: CachedSpeech) {}

  get sampleRate(): number {
    return this.speech.sampleRate;
  }

  read(): Promise<Int16Array | null> {
    if (this.done) return Promise.resolve(null);
    this.done = true;
    return Promise.resolve(this.speech.samples);
  }

  kill(): void {
    this.done = true;
  }
}
