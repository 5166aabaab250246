import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FormatConverter,
  FormatEncoder,
  bytesPerMs,
  decodeToPcm16,
  durationMs,
  encodeFromPcm16,
  sampleRateOf,
  silenceByte,
} from '../../src/audio/formats.js';
import type { AudioFormat } from '../../src/audio/formats.js';
import { pcm16ToUlaw, ulawToPcm16 } from '../../src/audio/g711.js';
import { concatPcm16, pcm16ToBytes } from '../../src/audio/pcm16.js';
import { resample } from '../../src/audio/resample.js';
import { chunk, db, rmsOf, sine } from './signals.js';

const PCM: AudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: AudioFormat = { type: 'audio/pcmu' };
const PCMA: AudioFormat = { type: 'audio/pcma' };

describe('format properties', () => {
  test('sample rates, bytes per ms and durations', () => {
    assert.deepEqual([PCM, PCMU, PCMA].map(sampleRateOf), [24000, 8000, 8000]);
    assert.deepEqual([PCM, PCMU, PCMA].map(bytesPerMs), [48, 8, 8]);
    assert.equal(durationMs(960, PCM), 20);
    assert.equal(durationMs(160, PCMU), 20);
    assert.equal(durationMs(4, PCMA), 0.5);
  });

  test('silence bytes decode to (near) zero', () => {
    assert.deepEqual([PCM, PCMU, PCMA].map(silenceByte), [0x00, 0xff, 0xd5]);
    for (const format of [PCM, PCMU, PCMA]) {
      const silent = new Uint8Array(bytesPerMs(format) * 20).fill(silenceByte(format));
      const { samples } = decodeToPcm16(silent, format);
      assert.equal(samples.length, sampleRateOf(format) / 50);
      assert.ok(samples.every((sample) => Math.abs(sample) <= 8), format.type); // A-law has no 0: ±8 is its quietest
    }
  });
});

describe('whole-buffer conversion', () => {
  test('decodeToPcm16 decodes at the format’s own rate', () => {
    assert.deepEqual(decodeToPcm16(Uint8Array.of(0x34, 0x12), PCM), { samples: Int16Array.of(0x1234), rate: 24000 });
    assert.deepEqual(decodeToPcm16(Uint8Array.of(0x00), PCMU), { samples: Int16Array.of(-32124), rate: 8000 });
    assert.deepEqual(decodeToPcm16(Uint8Array.of(0xaa), PCMA), { samples: Int16Array.of(32256), rate: 8000 });
  });

  test('encodeFromPcm16 resamples 24 kHz audio to 8 kHz µ-law as well as encoding an 8 kHz original', () => {
    const ideal = sine(1000, 8000, 1600);
    const snrOf = (ulaw: Uint8Array) => {
      const decoded = decodeToPcm16(ulaw, PCMU).samples;
      const error = decoded.map((sample, i) => sample - ideal[i]!);
      return db(rmsOf(decoded, 80, 1520) / rmsOf(error, 80, 1520)); // interior: skip 10 ms edges
    };
    const viaResampler = encodeFromPcm16(sine(1000, 24000, 4800), 24000, PCMU);
    assert.equal(viaResampler.length, 1600);
    const direct = snrOf(encodeFromPcm16(ideal, 8000, PCMU)); // µ-law quantisation alone: ≈ 37 dB
    assert.ok(snrOf(viaResampler) > 30);
    assert.ok(snrOf(viaResampler) > direct - 1, `${snrOf(viaResampler)} vs ${direct} dB`);
  });

  test('encodeFromPcm16 to PCM at the same rate is plain little-endian bytes', () => {
    assert.deepEqual(Array.from(encodeFromPcm16(Int16Array.of(1, -1), 24000, PCM)), [0x01, 0x00, 0xff, 0xff]);
  });
});

describe('FormatConverter (streaming decode)', () => {
  const tone = sine(700, 8000, 8000);

  test('µ-law 8 kHz → PCM16 24 kHz in 20 ms frames equals decoding and resampling at once', () => {
    const ulaw = pcm16ToUlaw(tone);
    const converter = new FormatConverter(PCMU, 24000);
    const streamed = concatPcm16([...chunk(ulaw, [160]).map((frame) => converter.convert(frame)), converter.flush()]);
    assert.deepEqual(streamed, resample(ulawToPcm16(ulaw), 8000, 24000));
  });

  test('PCM16 split mid-sample across chunks is reassembled', () => {
    const bytes = pcm16ToBytes(sine(700, 24000, 2400));
    const converter = new FormatConverter(PCM, 16000);
    const streamed = concatPcm16([...chunk(bytes, [1, 3, 7, 480]).map((part) => converter.convert(part)), converter.flush()]);
    assert.deepEqual(streamed, resample(decodeToPcm16(bytes, PCM).samples, 24000, 16000));
  });

  test('at the format’s own rate it only decodes', () => {
    const converter = new FormatConverter(PCMA, 8000);
    assert.deepEqual(converter.convert(Uint8Array.of(0xd5, 0x55)), Int16Array.of(8, -8));
    assert.equal(converter.flush().length, 0);
  });
});

describe('FormatEncoder (streaming encode)', () => {
  test('PCM16 24 kHz in 20 ms chunks → µ-law equals the one-shot encoding', () => {
    const tone = sine(700, 24000, 24000);
    const encoder = new FormatEncoder(24000, PCMU);
    const streamed = Buffer.concat([...chunk(tone, [480]).map((part) => encoder.encode(part)), encoder.flush()]);
    assert.deepEqual(new Uint8Array(streamed), encodeFromPcm16(tone, 24000, PCMU));
    assert.equal(streamed.length, 8000);
  });

  test('16 kHz PCM16 → audio/pcm resamples to 24 kHz bytes', () => {
    const encoder = new FormatEncoder(16000, PCM);
    const bytes = Buffer.concat([encoder.encode(sine(500, 16000, 1600)), encoder.flush()]);
    assert.equal(bytes.length, 2400 * 2);
    const level = db(rmsOf(decodeToPcm16(bytes, PCM).samples, 240, 2160) / rmsOf(sine(500, 24000, 2400), 240, 2160));
    assert.ok(Math.abs(level) < 0.1, `level changed by ${level} dB`);
  });
});
