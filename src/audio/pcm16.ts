import { AudioError } from './errors.js';

// Wire PCM16 is little-endian; typed arrays use host byte order, so big-endian hosts swap.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies little-endian PCM16 bytes into a new Int16Array.
 * Always copies: a view would share memory with the caller (often a pooled Buffer) and
 * would throw when the bytes start at an odd byteOffset.
 */
export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  if (bytes.byteLength % 2 !== 0) {
    throw new AudioError(
      'PCM16_ODD_LENGTH',
      `PCM16 audio must contain whole 2-byte samples, got ${bytes.byteLength} bytes`,
    );
  }
  const samples = new Int16Array(bytes.byteLength / 2);
  new Uint8Array(samples.buffer).set(bytes);
  if (!HOST_IS_LITTLE_ENDIAN) Buffer.from(samples.buffer).swap16();
  return samples;
}

/** Copies samples into a new Buffer of little-endian PCM16 bytes. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.byteLength);
  bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) bytes.swap16();
  return bytes;
}

/** Scales to [-1, 1) by 1/32768, so float32ToPcm16 restores every int16 exactly. */
export function pcm16ToFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

/** Scales by 32768, rounds, and clips to the int16 range (NaN becomes 0). */
export function float32ToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clampInt16(Math.round(samples[i]! * 32768));
  return out;
}

/** Clamps an integer to [-32768, 32767]; NaN stays NaN (stored as 0 by Int16Array). */
export function clampInt16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** Joins chunks into one new array. */
export function concatPcm16(chunks: readonly Int16Array[]): Int16Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Averages interleaved channels into mono (rounded to nearest). */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (!Number.isInteger(channels) || channels < 1 || interleaved.length % channels !== 0) {
    throw new AudioError(
      'PCM16_BAD_CHANNELS',
      `cannot downmix ${interleaved.length} samples as ${channels} interleaved channels`,
    );
  }
  const frames = interleaved.length / channels;
  const out = new Int16Array(frames);
  for (let frame = 0, i = 0; frame < frames; frame++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++]!;
    out[frame] = Math.round(sum / channels);
  }
  return out;
}
