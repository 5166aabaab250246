import { ErrorCode, ProtocolError } from '../../protocol/errors.js';

/**
 * The uncommitted input audio of a session. Bounded: an append that would
 * overflow is refused with an error instead of growing without limit.
 * `appendedBytes` is the session's audio clock (`audio_start_ms`/`audio_end_ms`).
 */
export class InputAudioBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private appended = 0;

  constructor(private readonly maxBytes: number) {}

  get byteLength(): number {
    return this.bytes;
  }

  get appendedBytes(): number {
    return this.appended;
  }

  append(data: Buffer): void {
    if (this.bytes + data.byteLength > this.maxBytes) {
      throw new ProtocolError(
        ErrorCode.inputBufferFull,
        `The input audio buffer holds ${this.bytes} bytes and may hold at most ${this.maxBytes}; commit or clear it before appending more.`,
        'audio',
      );
    }
    this.chunks.push(data);
    this.bytes += data.byteLength;
    this.appended += data.byteLength;
  }

  /** Drops the oldest bytes, keeping at most `keepBytes` (VAD keeps only what prefix padding may need). */
  keepLast(keepBytes: number): void {
    let excess = this.bytes - Math.max(0, keepBytes);
    while (excess > 0 && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.byteLength <= excess) {
        this.chunks.shift();
        this.bytes -= first.byteLength;
        excess -= first.byteLength;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
        excess = 0;
      }
    }
  }

  /** Removes and returns everything buffered. */
  take(): Buffer {
    const all = Buffer.concat(this.chunks, this.bytes);
    this.clear();
    return all;
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
