import { AudioError } from './errors.js';
import { alawToPcm16, ulawToPcm16 } from './g711.js';
import { bytesToPcm16, downmixToMono, pcm16ToBytes } from './pcm16.js';

/** Decoded WAV audio. `samples` are interleaved when `channels` > 1. */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

export interface ReadWavOptions {
  /** Average all channels into one. */
  mono?: boolean;
}

type Encoding = 'pcm16' | 'ulaw' | 'alaw';

interface FmtChunk {
  encoding: Encoding;
  channels: number;
  sampleRate: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
// WAVE_FORMAT_EXTENSIBLE sub-format GUIDs are the 2-byte format tag followed by these 14 bytes.
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0011: 'IMA ADPCM',
  0x0055: 'MP3',
};

const ENCODING_NAMES: Record<Encoding, string> = { pcm16: 'PCM', ulaw: 'µ-law', alaw: 'A-law' };

const CONVERT_HINT = 'convert it to 16-bit PCM, e.g. `ffmpeg -i in.wav -c:a pcm_s16le out.wav`';

/**
 * Parses a RIFF/WAVE file: 16-bit PCM, 8-bit µ-law or A-law (tags 7/6), or those inside
 * WAVE_FORMAT_EXTENSIBLE. Chunks other than `fmt ` and `data` (LIST, fact, …) are skipped.
 * A data chunk that claims more bytes than the file holds is read up to the end of the file:
 * recorders that stream or get interrupted leave 0xFFFFFFFF or a stale size there.
 */
export function readWav(file: Uint8Array, options: ReadWavOptions = {}): WavAudio {
  checkRiffHeader(file);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);

  let fmt: FmtChunk | undefined;
  let data: Uint8Array | undefined;
  for (let offset = 12; offset + 8 <= file.length; ) {
    const id = fourCC(file, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && fmt === undefined) {
      if (body + size > file.length) {
        throw truncated(`the fmt chunk at byte ${offset} declares ${size} bytes but only ${file.length - body} follow`);
      }
      fmt = parseFmt(file.subarray(body, body + size));
    } else if (id === 'data' && data === undefined) {
      data = file.subarray(body, Math.min(body + size, file.length));
    }
    offset = body + size + (size % 2); // chunks are padded to an even length
  }
  if (fmt === undefined) {
    throw new AudioError('WAV_MISSING_FMT', 'invalid WAV file: no "fmt " chunk, so the audio format is unknown');
  }
  if (data === undefined) {
    throw new AudioError('WAV_MISSING_DATA', 'invalid WAV file: no "data" chunk, so there is no audio');
  }

  const samples = decodeData(data, fmt);
  if (options.mono === true && fmt.channels > 1) {
    return { sampleRate: fmt.sampleRate, channels: 1, samples: downmixToMono(samples, fmt.channels) };
  }
  return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
}

/** Writes 16-bit PCM WAV with the canonical 44-byte header. */
export function writeWav(audio: WavAudio): Buffer {
  const { sampleRate, channels, samples } = audio;
  if (!Number.isInteger(channels) || channels < 1 || samples.length % channels !== 0) {
    throw new AudioError(
      'WAV_INVALID_FORMAT',
      `cannot write ${samples.length} samples as ${channels} interleaved channels`,
    );
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new AudioError('WAV_INVALID_FORMAT', `sample rate must be a positive integer in Hz, got ${sampleRate}`);
  }
  const dataBytes = samples.length * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  header.writeUInt16LE(channels * 2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, pcm16ToBytes(samples)]);
}

/** Checks the 12-byte RIFF/WAVE header. Its size field is ignored: files in the wild often get it wrong. */
function checkRiffHeader(file: Uint8Array): void {
  if (file.length < 12) throw truncated(`a WAV file starts with a 12-byte header but there are only ${file.length} bytes`);
  const riff = fourCC(file, 0);
  if (riff === 'RIFX' || riff === 'RF64') {
    throw new AudioError(
      'WAV_UNSUPPORTED_ENCODING',
      `unsupported WAV variant "${riff}" (${riff === 'RIFX' ? 'big-endian' : '64-bit sizes'}); ${CONVERT_HINT}`,
    );
  }
  if (riff !== 'RIFF') {
    throw new AudioError('WAV_NOT_RIFF', `not a WAV file: expected "RIFF" at byte 0, found ${JSON.stringify(riff)}`);
  }
  const form = fourCC(file, 8);
  if (form !== 'WAVE') {
    throw new AudioError('WAV_NOT_WAVE', `not a WAV file: RIFF form type is ${JSON.stringify(form)}, expected "WAVE"`);
  }
}

function parseFmt(chunk: Uint8Array): FmtChunk {
  if (chunk.length < 16) {
    throw new AudioError('WAV_INVALID_FORMAT', `invalid WAV file: fmt chunk is ${chunk.length} bytes, at least 16 needed`);
  }
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const bitsPerSample = view.getUint16(14, true);
  if (channels === 0) throw new AudioError('WAV_INVALID_FORMAT', 'invalid WAV file: fmt chunk declares 0 channels');
  if (sampleRate === 0) throw new AudioError('WAV_INVALID_FORMAT', 'invalid WAV file: fmt chunk declares a 0 Hz sample rate');
  const encoding = encodingOf(formatTag(chunk, view));
  const expectedBits = encoding === 'pcm16' ? 16 : 8;
  if (bitsPerSample !== expectedBits) {
    throw new AudioError(
      'WAV_UNSUPPORTED_BIT_DEPTH',
      `unsupported WAV sample size: ${bitsPerSample}-bit ${ENCODING_NAMES[encoding]} ` +
        `(only ${expectedBits}-bit is supported); ${CONVERT_HINT}`,
    );
  }
  return { encoding, channels, sampleRate };
}

/** The format tag, looking inside WAVE_FORMAT_EXTENSIBLE for the real one. */
function formatTag(chunk: Uint8Array, view: DataView): number {
  const tag = view.getUint16(0, true);
  if (tag !== WAVE_FORMAT_EXTENSIBLE) return tag;
  if (chunk.length < 40) {
    throw new AudioError(
      'WAV_INVALID_FORMAT',
      `invalid WAV file: WAVE_FORMAT_EXTENSIBLE fmt chunk is ${chunk.length} bytes, 40 needed`,
    );
  }
  const guidTail = chunk.subarray(26, 40);
  if (!SUBFORMAT_GUID_TAIL.every((byte, i) => guidTail[i] === byte)) {
    throw new AudioError('WAV_UNSUPPORTED_ENCODING', `unsupported WAV encoding: unknown WAVE_FORMAT_EXTENSIBLE sub-format; ${CONVERT_HINT}`);
  }
  return view.getUint16(24, true);
}

function encodingOf(tag: number): Encoding {
  switch (tag) {
    case WAVE_FORMAT_PCM:
      return 'pcm16';
    case WAVE_FORMAT_MULAW:
      return 'ulaw';
    case WAVE_FORMAT_ALAW:
      return 'alaw';
    default: {
      const name = FORMAT_NAMES[tag] ?? 'unknown';
      throw new AudioError(
        'WAV_UNSUPPORTED_ENCODING',
        `unsupported WAV encoding: ${name} (format tag 0x${tag.toString(16).padStart(4, '0')}); ` +
          `supported are 16-bit PCM, µ-law and A-law; ${CONVERT_HINT}`,
      );
    }
  }
}

/** Decodes whole frames; a trailing partial frame (a truncated file) is dropped. */
function decodeData(data: Uint8Array, fmt: FmtChunk): Int16Array {
  const frameBytes = fmt.channels * (fmt.encoding === 'pcm16' ? 2 : 1);
  const whole = data.subarray(0, data.length - (data.length % frameBytes));
  switch (fmt.encoding) {
    case 'pcm16':
      return bytesToPcm16(whole);
    case 'ulaw':
      return ulawToPcm16(whole);
    case 'alaw':
      return alawToPcm16(whole);
  }
}

function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function truncated(detail: string): AudioError {
  return new AudioError('WAV_TRUNCATED', `invalid WAV file: truncated, ${detail}`);
}
