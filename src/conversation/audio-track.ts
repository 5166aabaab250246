/**
 * The audio of one content part, kept so that `conversation.item.retrieve`
 * can return it and `conversation.item.truncate` can cut it. Transcript marks
 * record how much transcript had been spoken by the end of each audio chunk,
 * so a truncation keeps only the words the listener actually heard.
 */
export interface TranscriptMark {
  /** Audio bytes up to the end of the chunk that carried this text. */
  readonly endByte: number;
  /** Transcript length (chars) spoken once that chunk has played. */
  readonly textLength: number;
}

export class AudioTrack {
  private chunks: Buffer[] = [];
  private storedBytes = 0;
  private totalBytes = 0;
  private marks: TranscriptMark[] = [];
  /** True once old bytes were evicted to respect the conversation's audio budget. */
  evicted = false;

  constructor(readonly bytesPerMs: number) {}

  append(bytes: Uint8Array, transcriptLengthAfter?: number): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.chunks.push(Buffer.from(buf));
    this.storedBytes += buf.byteLength;
    this.totalBytes += buf.byteLength;
    if (transcriptLengthAfter !== undefined) this.marks.push({ endByte: this.totalBytes, textLength: transcriptLengthAfter });
  }

  get byteLength(): number {
    return this.totalBytes;
  }

  get heldBytes(): number {
    return this.storedBytes;
  }

  get durationMs(): number {
    return this.totalBytes / this.bytesPerMs;
  }

  /** All audio still held, or null when some of it was evicted. */
  bytes(): Buffer | null {
    if (this.evicted) return null;
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Frees the bytes but keeps the length, so a later truncate still validates. */
  evict(): number {
    const freed = this.storedBytes;
    this.chunks = [];
    this.storedBytes = 0;
    this.evicted = freed > 0 || this.evicted;
    return freed;
  }

  /**
   * Cuts the audio at `audioEndMs` and returns how many transcript characters
   * were fully heard by then (null when no marks were recorded).
   */
  truncate(audioEndMs: number): number | null {
    // Whole samples only: PCM16 is 2 bytes a sample, G.711 one.
    const sampleBytes = this.bytesPerMs >= 16 ? 2 : 1;
    let cut = Math.floor((audioEndMs * this.bytesPerMs) / sampleBytes) * sampleBytes;
    cut = Math.min(cut, this.totalBytes);
    if (!this.evicted) {
      const all = this.bytes() ?? Buffer.alloc(0);
      const kept = Buffer.from(all.subarray(0, cut));
      this.chunks = [kept];
      this.storedBytes = kept.byteLength;
    }
    this.totalBytes = cut;
    let heard: number | null = null;
    if (this.marks.length > 0) {
      heard = 0;
      for (const m of this.marks) if (m.endByte <= cut) heard = m.textLength;
      this.marks = this.marks.filter((m) => m.endByte <= cut);
    }
    return heard;
  }
}
