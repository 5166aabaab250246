import { alawToPcm16, pcm16ToAlaw, pcm16ToUlaw, ulawToPcm16 } from './g711.js';
import { bytesToPcm16, pcm16ToBytes } from './pcm16.js';
import { Resampler, resample } from './resample.js';

/** Audio formats of the Realtime protocol (kept structurally identical to the protocol's schema). */
export type AudioFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

/** G.711 (µ-law and A-law) is always 8 kHz, one byte per sample. */
const G711_RATE = 8000;

export function sampleRateOf(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? format.rate : G711_RATE;
}

export function bytesPerSample(format: AudioFormat): number {
  return format.type === 'audio/pcm' ? 2 : 1;
}

/** Bytes per millisecond of mono audio: 48 for PCM16 at 24 kHz, 8 for G.711. */
export function bytesPerMs(format: AudioFormat): number {
  return (sampleRateOf(format) / 1000) * bytesPerSample(format);
}

/** Playback duration of `byteLength` bytes of mono audio in this format. */
export function durationMs(byteLength: number, format: AudioFormat): number {
  return byteLength / bytesPerMs(format);
}

/** The byte that fills silent audio: 0x00 for PCM16, 0xFF for µ-law (= 0), 0xD5 for A-law (= +8, A-law has no zero). */
export function silenceByte(format: AudioFormat): number {
  switch (format.type) {
    case 'audio/pcm':
      return 0x00;
    case 'audio/pcmu':
      return 0xff;
    case 'audio/pcma':
      return 0xd5;
  }
}

function decoderFor(format: AudioFormat): (bytes: Uint8Array) => Int16Array {
  switch (format.type) {
    case 'audio/pcm':
      return bytesToPcm16;
    case 'audio/pcmu':
      return ulawToPcm16;
    case 'audio/pcma':
      return alawToPcm16;
  }
}

function encoderFor(format: AudioFormat): (samples: Int16Array) => Uint8Array {
  switch (format.type) {
    case 'audio/pcm':
      return pcm16ToBytes;
    case 'audio/pcmu':
      return pcm16ToUlaw;
    case 'audio/pcma':
      return pcm16ToAlaw;
  }
}

/** Decodes a complete buffer to PCM16 at the format's own rate. */
export function decodeToPcm16(bytes: Uint8Array, format: AudioFormat): { samples: Int16Array; rate: number } {
  return { samples: decoderFor(format)(bytes), rate: sampleRateOf(format) };
}

/**
 * Encodes a complete signal, resampling from `rate` to the format's rate first.
 * For audio that arrives in chunks use FormatEncoder: resampling chunks separately would
 * put a click at every chunk boundary.
 */
export function encodeFromPcm16(samples: Int16Array, rate: number, format: AudioFormat): Uint8Array {
  return encoderFor(format)(resample(samples, rate, sampleRateOf(format)));
}

/**
 * Streaming decoder: wire-format chunks → PCM16 at `targetRate`, one per connection.
 * Resampler state carries across chunks, so chunking does not change the output.
 */
export class FormatConverter {
  readonly #decode: (bytes: Uint8Array) => Int16Array;
  readonly #resampler: Resampler;
  readonly #bytesPerSample: number;
  /** Trailing bytes of a sample split across chunks (PCM16 only). */
  #partial: Uint8Array = new Uint8Array(0);

  constructor(from: AudioFormat, targetRate: number) {
    this.#decode = decoderFor(from);
    this.#resampler = new Resampler(sampleRateOf(from), targetRate);
    this.#bytesPerSample = bytesPerSample(from);
  }

  convert(bytes: Uint8Array): Int16Array {
    return this.#resampler.process(this.#decode(this.#wholeSamples(bytes)));
  }

  /** Ends the stream: returns the resampler's held-back samples; a dangling half sample is dropped. */
  flush(): Int16Array {
    this.#partial = new Uint8Array(0);
    return this.#resampler.flush();
  }

  /** Returns the bytes that form whole samples, keeping any remainder for the next chunk. */
  #wholeSamples(bytes: Uint8Array): Uint8Array {
    if (this.#bytesPerSample === 1) return bytes;
    const joined = this.#partial.length === 0 ? bytes : Buffer.concat([this.#partial, bytes]);
    const usable = joined.length - (joined.length % this.#bytesPerSample);
    this.#partial = joined.slice(usable);
    return joined.subarray(0, usable);
  }
}

/**
 * Streaming encoder: PCM16 chunks at `sourceRate` → wire-format bytes, one per connection.
 * The counterpart of FormatConverter for audio sent to the client.
 */
export class FormatEncoder {
  readonly #encode: (samples: Int16Array) => Uint8Array;
  readonly #resampler: Resampler;

  constructor(sourceRate: number, to: AudioFormat) {
    this.#encode = encoderFor(to);
    this.#resampler = new Resampler(sourceRate, sampleRateOf(to));
  }

  encode(samples: Int16Array): Uint8Array {
    return this.#encode(this.#resampler.process(samples));
  }

  /** Ends the stream: encodes the resampler's held-back samples. */
  flush(): Uint8Array {
    return this.#encode(this.#resampler.flush());
  }
}
