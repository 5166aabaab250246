import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError } from '../../src/audio/errors.js';
import { pcm16ToBytes } from '../../src/audio/pcm16.js';
import { readWav, writeWav } from '../../src/audio/wav.js';
import { sine } from './signals.js';

/** A RIFF chunk: id, little-endian size, body, and the pad byte odd sizes need. */
function chunk(id: string, body: Uint8Array, declaredSize = body.length): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(4 + body.length, 4);
  header.write('WAVE', 8, 'latin1');
  return Buffer.concat([header, body]);
}

function fmt(tag: number, channels: number, sampleRate: number, bits: number): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE((sampleRate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return chunk('fmt ', body);
}

/** WAVE_FORMAT_EXTENSIBLE fmt chunk with the standard KSDATAFORMAT GUID for `subformat`. */
function fmtExtensible(subformat: number, channels: number, sampleRate: number, bits: number, guidTail?: number[]): Buffer {
  const body = Buffer.alloc(40);
  fmt(0xfffe, channels, sampleRate, bits).copy(body, 0, 8, 24);
  body.writeUInt16LE(22, 16); // cbSize
  body.writeUInt16LE(bits, 18); // valid bits
  body.writeUInt32LE(channels === 1 ? 0x4 : 0x3, 20); // channel mask
  body.writeUInt32LE(subformat, 24);
  Buffer.from(guidTail ?? [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(body, 28);
  return chunk('fmt ', body);
}

const pcmBytes = (...samples: number[]) => pcm16ToBytes(Int16Array.from(samples));

function assertAudioError(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AudioError, 'expected an AudioError');
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('writeWav / readWav round trip', () => {
  test('mono 16-bit PCM, with a canonical 44-byte header', () => {
    const audio = { sampleRate: 24000, channels: 1, samples: sine(440, 24000, 2400) };
    const file = writeWav(audio);
    assert.equal(file.length, 44 + 4800);
    assert.equal(file.toString('latin1', 0, 4), 'RIFF');
    assert.equal(file.readUInt32LE(4), 36 + 4800);
    assert.equal(file.toString('latin1', 8, 16), 'WAVEfmt ');
    assert.equal(file.readUInt32LE(28), 48000); // byte rate
    assert.equal(file.toString('latin1', 36, 40), 'data');
    assert.deepEqual(readWav(file), audio);
  });

  test('stereo keeps interleaving, or is averaged to mono on request', () => {
    const audio = { sampleRate: 16000, channels: 2, samples: Int16Array.of(100, 300, -32768, -32768, 5, 6) };
    const file = writeWav(audio);
    assert.equal(file.readUInt16LE(32), 4); // block align
    assert.deepEqual(readWav(file), audio);
    assert.deepEqual(readWav(file, { mono: true }), { sampleRate: 16000, channels: 1, samples: Int16Array.of(200, -32768, 6) });
  });

  test('reads from a Uint8Array at an odd byteOffset', () => {
    const file = writeWav({ sampleRate: 8000, channels: 1, samples: Int16Array.of(1, -2, 3) });
    const shifted = Buffer.concat([Buffer.of(0xee), file]).subarray(1);
    assert.deepEqual(readWav(shifted).samples, Int16Array.of(1, -2, 3));
  });

  test('rejects samples that are not whole frames', () => {
    assertAudioError(
      () => writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(3) }),
      'WAV_INVALID_FORMAT',
      /3 samples as 2 interleaved channels/,
    );
  });
});

describe('readWav encodings and layout', () => {
  test('8-bit µ-law (format 7) and A-law (format 6) decode to PCM16', () => {
    const ulaw = readWav(riff(fmt(7, 1, 8000, 8), chunk('data', Buffer.of(0xff, 0x00, 0x80))));
    assert.deepEqual(ulaw, { sampleRate: 8000, channels: 1, samples: Int16Array.of(0, -32124, 32124) });
    const alaw = readWav(riff(fmt(6, 1, 8000, 8), chunk('data', Buffer.of(0xd5, 0x2a, 0xaa))));
    assert.deepEqual(alaw.samples, Int16Array.of(8, -32256, 32256));
  });

  test('WAVE_FORMAT_EXTENSIBLE with a PCM or µ-law sub-format', () => {
    const pcm = readWav(riff(fmtExtensible(1, 2, 48000, 16), chunk('data', pcmBytes(1, 2, 3, 4))));
    assert.deepEqual(pcm, { sampleRate: 48000, channels: 2, samples: Int16Array.of(1, 2, 3, 4) });
    const ulaw = readWav(riff(fmtExtensible(7, 1, 8000, 8), chunk('data', Buffer.of(0x00))));
    assert.deepEqual(ulaw.samples, Int16Array.of(-32124));
  });

  test('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const list = chunk('LIST', Buffer.from('INFOISFT\x03\x00\x00\x00ab\x00', 'latin1'));
    const odd = chunk('junk', Buffer.of(1, 2, 3));
    const file = riff(list, fmt(1, 1, 24000, 16), odd, chunk('data', pcmBytes(-5, 5)), chunk('id3 ', Buffer.of(9, 9)));
    assert.deepEqual(readWav(file).samples, Int16Array.of(-5, 5));
  });

  test('a data chunk longer than the file (unfinished recording) is read to the end of the file', () => {
    const data = pcmBytes(1, 2, 3);
    assert.deepEqual(readWav(riff(fmt(1, 1, 8000, 16), chunk('data', data, 1000))).samples, Int16Array.of(1, 2, 3));
    assert.deepEqual(readWav(riff(fmt(1, 1, 8000, 16), chunk('data', data, 0xffffffff))).samples, Int16Array.of(1, 2, 3));
  });

  test('a trailing partial frame is dropped', () => {
    const data = Buffer.concat([pcmBytes(1, 2, 3), Buffer.of(0x7f)]);
    assert.deepEqual(readWav(riff(fmt(1, 1, 8000, 16), chunk('data', data))).samples, Int16Array.of(1, 2, 3));
  });
});

describe('readWav errors name the problem', () => {
  test('not RIFF at all', () => {
    assertAudioError(() => readWav(Buffer.from('ID3\x04 this is an mp3 file', 'latin1')), 'WAV_NOT_RIFF', /expected "RIFF".*found "ID3/);
  });

  test('RIFF but not WAVE', () => {
    const avi = riff(fmt(1, 1, 8000, 16));
    avi.write('AVI ', 8, 'latin1');
    assertAudioError(() => readWav(avi), 'WAV_NOT_WAVE', /form type is "AVI "/);
  });

  test('RIFX (big-endian) and RF64 variants', () => {
    const variant = riff(fmt(1, 1, 8000, 16), chunk('data', pcmBytes(1)));
    variant.write('RIFX', 0, 'latin1');
    assertAudioError(() => readWav(variant), 'WAV_UNSUPPORTED_ENCODING', /"RIFX" \(big-endian\).*ffmpeg/);
    variant.write('RF64', 0, 'latin1');
    assertAudioError(() => readWav(variant), 'WAV_UNSUPPORTED_ENCODING', /"RF64" \(64-bit sizes\)/);
  });

  test('shorter than the RIFF header', () => {
    assertAudioError(() => readWav(Buffer.from('RIFF\x00\x00', 'latin1')), 'WAV_TRUNCATED', /12-byte header.*only 6 bytes/);
  });

  test('fmt chunk cut off by the end of the file', () => {
    const file = riff(fmt(1, 1, 8000, 16)).subarray(0, 30);
    assertAudioError(() => readWav(file), 'WAV_TRUNCATED', /fmt chunk at byte 12 declares 16 bytes but only 10 follow/);
  });

  test('missing fmt or data chunk', () => {
    assertAudioError(() => readWav(riff(chunk('data', pcmBytes(1)))), 'WAV_MISSING_FMT', /no "fmt " chunk/);
    assertAudioError(() => readWav(riff(fmt(1, 1, 8000, 16))), 'WAV_MISSING_DATA', /no "data" chunk/);
  });

  test('unsupported encodings say which and how to convert', () => {
    const float = riff(fmt(3, 1, 48000, 32), chunk('data', Buffer.alloc(8)));
    assertAudioError(() => readWav(float), 'WAV_UNSUPPORTED_ENCODING', /IEEE float \(format tag 0x0003\).*pcm_s16le/);
    const mp3 = riff(fmt(0x55, 1, 44100, 0), chunk('data', Buffer.alloc(8)));
    assertAudioError(() => readWav(mp3), 'WAV_UNSUPPORTED_ENCODING', /MP3 \(format tag 0x0055\)/);
    const unknownGuid = riff(fmtExtensible(1, 1, 8000, 16, Array(12).fill(0x42)), chunk('data', pcmBytes(1)));
    assertAudioError(() => readWav(unknownGuid), 'WAV_UNSUPPORTED_ENCODING', /unknown WAVE_FORMAT_EXTENSIBLE sub-format/);
  });

  test('unsupported bit depths say which', () => {
    const pcm24 = riff(fmt(1, 1, 48000, 24), chunk('data', Buffer.alloc(6)));
    assertAudioError(() => readWav(pcm24), 'WAV_UNSUPPORTED_BIT_DEPTH', /24-bit PCM \(only 16-bit is supported\)/);
    const ulaw16 = riff(fmt(7, 1, 8000, 16), chunk('data', Buffer.alloc(2)));
    assertAudioError(() => readWav(ulaw16), 'WAV_UNSUPPORTED_BIT_DEPTH', /16-bit µ-law \(only 8-bit/);
  });

  test('impossible fmt values', () => {
    assertAudioError(() => readWav(riff(fmt(1, 0, 8000, 16), chunk('data', pcmBytes(1)))), 'WAV_INVALID_FORMAT', /0 channels/);
    assertAudioError(() => readWav(riff(fmt(1, 1, 0, 16), chunk('data', pcmBytes(1)))), 'WAV_INVALID_FORMAT', /0 Hz/);
    const short = riff(chunk('fmt ', Buffer.alloc(14)), chunk('data', pcmBytes(1)));
    assertAudioError(() => readWav(short), 'WAV_INVALID_FORMAT', /fmt chunk is 14 bytes, at least 16 needed/);
  });
});
