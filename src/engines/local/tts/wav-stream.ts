import { bytesToPcm16 } from '../../../audio/index.js';
import { TtsError } from './errors.js';

export interface WavStreamFormat {
  sampleRate: number;
  channels: number;
}

// A header that has not reached its data chunk after this many bytes is not a WAV stream.
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Incremental WAV reader for a stream whose length is unknown (espeak-ng `--stdout` writes
 * 0x7ffff000 as the data size): parses the header as bytes arrive, then returns the samples of
 * each further piece at once. The data size field is ignored; the stream ends when its source does.
 * Only 16-bit PCM is accepted. Throws TtsError('tts_failed') on anything else.
 */
export class WavStreamParser {
  #format: WavStreamFormat | undefined;
  #head: Buffer = Buffer.alloc(0);
  /** A byte of a sample split across pieces. */
  #odd: number | undefined;

  /** Known once the header up to the data chunk has arrived. */
  get format(): WavStreamFormat | undefined {
    return this.#format;
  }

  /** Feeds the next bytes; returns the samples they complete (possibly none). Interleaved if channels > 1. */
  push(bytes: Uint8Array): Int16Array {
    let data: Uint8Array = bytes;
    if (this.#format === undefined) {
      this.#head = Buffer.concat([this.#head, bytes]);
      const start = this.#parseHeader();
      if (start === undefined) {
        if (this.#head.length > MAX_HEADER_BYTES) throw invalid('no data chunk in the first 64 KiB');
        return new Int16Array(0);
      }
      data = this.#head.subarray(start);
      this.#head = Buffer.alloc(0);
    }
    if (this.#odd !== undefined && data.length > 0) {
      const joined = new Uint8Array(data.length + 1);
      joined[0] = this.#odd;
      joined.set(data, 1);
      data = joined;
      this.#odd = undefined;
    }
    if (data.length % 2 === 1) {
      this.#odd = data[data.length - 1];
      data = data.subarray(0, data.length - 1);
    }
    return bytesToPcm16(data);
  }

  /** Sets #format and returns the offset of the first sample once the data chunk starts. */
  #parseHeader(): number | undefined {
    const head = this.#head;
    if (head.length < 12) return undefined;
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
      throw invalid('the output does not start with a RIFF/WAVE header');
    }
    let fmt: WavStreamFormat | undefined;
    for (let offset = 12; offset + 8 <= head.length; ) {
      const id = head.toString('latin1', offset, offset + 4);
      const size = head.readUInt32LE(offset + 4);
      const body = offset + 8;
      if (id === 'data') {
        if (fmt === undefined) throw invalid('the data chunk comes before the fmt chunk');
        this.#format = fmt;
        return body;
      }
      if (body + size > head.length) return undefined; // this chunk is not complete yet
      if (id === 'fmt ') {
        if (size < 16) throw invalid(`the fmt chunk has ${size} bytes`);
        const tag = head.readUInt16LE(body);
        const channels = head.readUInt16LE(body + 2);
        const sampleRate = head.readUInt32LE(body + 4);
        const bits = head.readUInt16LE(body + 14);
        if ((tag !== 1 && tag !== 0xfffe) || bits !== 16 || channels < 1 || sampleRate < 1) {
          throw invalid(`expected 16-bit PCM, got format tag ${tag}, ${bits} bits, ${channels} channels, ${sampleRate} Hz`);
        }
        fmt = { sampleRate, channels };
      }
      offset = body + size + (size % 2);
    }
    return undefined;
  }
}

function invalid(detail: string): TtsError {
  return new TtsError('tts_failed', `espeak-ng produced unreadable audio: ${detail}`);
}
