import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError } from '../../src/audio/errors.js';
import {
  bytesToPcm16,
  clampInt16,
  concatPcm16,
  downmixToMono,
  float32ToPcm16,
  pcm16ToBytes,
  pcm16ToFloat32,
} from '../../src/audio/pcm16.js';

describe('bytesToPcm16', () => {
  test('reads little-endian samples', () => {
    assert.deepEqual(Array.from(bytesToPcm16(Uint8Array.of(0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f))), [
      1, -1, -32768, 32767,
    ]);
  });

  test('reads from an odd byteOffset and copies rather than aliasing the input', () => {
    const backing = Buffer.from([0xaa, 0x34, 0x12, 0xcc, 0xed]);
    const bytes = backing.subarray(1); // byteOffset 1: an Int16Array view here would throw
    const samples = bytesToPcm16(bytes);
    assert.deepEqual(Array.from(samples), [0x1234, -0x1234]);
    backing.fill(0);
    assert.deepEqual(Array.from(samples), [0x1234, -0x1234]);
  });

  test('rejects a half sample with a coded error', () => {
    assert.throws(() => bytesToPcm16(new Uint8Array(3)), (error: unknown) => {
      return error instanceof AudioError && error.code === 'PCM16_ODD_LENGTH' && /3 bytes/.test(error.message);
    });
  });
});

describe('pcm16ToBytes', () => {
  test('writes little-endian bytes of just the given view', () => {
    const all = Int16Array.of(7, 0x1234, -2, 9);
    const bytes = pcm16ToBytes(all.subarray(1, 3));
    assert.ok(Buffer.isBuffer(bytes));
    assert.deepEqual(Array.from(bytes), [0x34, 0x12, 0xfe, 0xff]);
  });

  test('round-trips through bytesToPcm16', () => {
    const samples = Int16Array.of(-32768, -1, 0, 1, 32767, 12345);
    assert.deepEqual(bytesToPcm16(pcm16ToBytes(samples)), samples);
  });
});

describe('float conversion', () => {
  test('maps full scale to [-1, 1) and restores every int16 exactly', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const floats = pcm16ToFloat32(all);
    assert.equal(floats[0], -1);
    assert.equal(floats[65535], 32767 / 32768);
    assert.deepEqual(float32ToPcm16(floats), all);
  });

  test('rounds to nearest and clips out-of-range values', () => {
    const floats = Float32Array.of(1.5, -1.5, 0.25 / 32768, 0.75 / 32768, 1, -1);
    assert.deepEqual(Array.from(float32ToPcm16(floats)), [32767, -32768, 0, 1, 32767, -32768]);
  });
});

test('clampInt16 bounds values to the int16 range', () => {
  assert.deepEqual([40000, -40000, 123].map(clampInt16), [32767, -32768, 123]);
});

test('concatPcm16 joins chunks in order', () => {
  const joined = concatPcm16([Int16Array.of(1, 2), new Int16Array(0), Int16Array.of(3)]);
  assert.deepEqual(Array.from(joined), [1, 2, 3]);
});

describe('downmixToMono', () => {
  test('averages interleaved channels, rounding to nearest', () => {
    const stereo = Int16Array.of(100, 200, -32768, -32768, 32767, -32768, 1, 2);
    assert.deepEqual(Array.from(downmixToMono(stereo, 2)), [150, -32768, 0, 2]);
  });

  test('rejects a sample count that is not a whole number of frames', () => {
    assert.throws(() => downmixToMono(new Int16Array(5), 2), { code: 'PCM16_BAD_CHANNELS' });
  });
});
