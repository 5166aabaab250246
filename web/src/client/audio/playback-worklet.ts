// Runs on the audio thread: plays the agent's PCM16 as it arrives and counts, per item, the
// samples that actually reached the speaker — what a barge-in truncates the item to.

interface Chunk {
  itemId: string;
  pcm: Int16Array;
  offset: number;
}

type Command = { type: 'audio'; itemId: string; pcm: Int16Array } | { type: 'clear' };

class PlaybackProcessor extends AudioWorkletProcessor {
  private readonly queue: Chunk[] = [];
  private readonly played = new Map<string, number>();
  private playing = false;
  private lastItem: string | null = null;

  constructor() {
    super();
    this.port.onmessage = (m: MessageEvent<Command>) => {
      const cmd = m.data;
      if (cmd.type === 'audio') this.queue.push({ itemId: cmd.itemId, pcm: cmd.pcm, offset: 0 });
      else this.clear();
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return true;
    let i = 0;
    while (i < out.length && this.queue.length > 0) {
      const c = this.queue[0]!;
      const n = Math.min(out.length - i, c.pcm.length - c.offset);
      for (let k = 0; k < n; k++) out[i + k] = c.pcm[c.offset + k]! / 0x8000;
      c.offset += n;
      i += n;
      this.played.set(c.itemId, (this.played.get(c.itemId) ?? 0) + n);
      this.lastItem = c.itemId;
      if (c.offset === c.pcm.length) this.queue.shift();
    }
    out.fill(0, i);
    if (i > 0 && !this.playing) {
      this.playing = true;
      this.port.postMessage({ type: 'started', itemId: this.lastItem });
    } else if (i === 0 && this.playing) {
      this.playing = false;
      this.port.postMessage({ type: 'drained', itemId: this.lastItem, playedSamples: this.played.get(this.lastItem ?? '') ?? 0 });
    }
    return true;
  }

  /** Drops what is queued; says which item was playing and how much of it was heard. */
  private clear(): void {
    const wasPlaying = this.queue.length > 0;
    this.queue.length = 0;
    this.playing = false;
    this.port.postMessage({ type: 'cleared', wasPlaying, itemId: this.lastItem, playedSamples: this.played.get(this.lastItem ?? '') ?? 0 });
  }
}

registerProcessor('parley-playback', PlaybackProcessor);
