import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { alawToPcm16, pcm16ToAlaw, pcm16ToUlaw, ulawToPcm16 } from '../../src/audio/g711.js';

/*
 * Reference implementations written independently of src/audio/g711.ts, from the G.711
 * segment/quantisation formulae as given in ITU-T G.191 (decode) and its STL
 * `ulaw_compress`/`alaw_compress` loops (encode). The module under test uses
 * different formulations (bit tricks, tables), so agreement is a real cross-check.
 */

/** µ-law: segment e has 16 steps of 2^(e+3); the decoded value is the step's midpoint. */
function referenceUlawDecode(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 4 << (exponent + 1);
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
  return code < 0x80 ? -magnitude : magnitude;
}

/** A-law: segment 0 and 1 share a step of 16; segment s > 1 has a step of 2^(s+3). */
function referenceAlawDecode(code: number): number {
  const bits = (code ^ 0x55) & 0x7f;
  const exponent = bits >> 4;
  let mantissa = bits & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code > 0x7f ? mantissa : -mantissa;
}

/** ITU-T G.191 STL `ulaw_compress`, transcribed loop for loop. */
function referenceUlawEncode(pcm: number): number {
  let absno = pcm < 0 ? (~pcm >> 2) + 33 : (pcm >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const highNibble = 0x0008 - segno;
  const lowNibble = 0x000f - ((absno >> segno) & 0x000f);
  const code = (highNibble << 4) | lowNibble;
  return pcm >= 0 ? code | 0x0080 : code;
}

function referenceAlawEncode(pcm: number): number {
  let bits = pcm < 0 ? ~pcm >> 4 : pcm >> 4; // one's complement magnitude, 12 bits
  if (bits > 15) {
    let exponent = 1;
    while (bits > 16 + 15) {
      bits >>= 1;
      exponent++;
    }
    bits = bits - 16 + (exponent << 4);
  }
  if (pcm >= 0) bits |= 0x80;
  return bits ^ 0x55;
}

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_INT16 = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('µ-law', () => {
  test('decodes all 256 codes like the reference', () => {
    const decoded = ulawToPcm16(ALL_CODES);
    for (let code = 0; code < 256; code++) {
      assert.equal(decoded[code], referenceUlawDecode(code) + 0, `code 0x${code.toString(16)}`);
    }
  });

  test('decodes known points', () => {
    assert.deepEqual(Array.from(ulawToPcm16(Uint8Array.of(0xff, 0x7f, 0x00, 0x80))), [0, 0, -32124, 32124]);
  });

  test('encodes every int16 value like the reference', () => {
    const encoded = pcm16ToUlaw(ALL_INT16);
    for (let i = 0; i < ALL_INT16.length; i++) {
      const pcm = ALL_INT16[i]!;
      if (encoded[i] !== referenceUlawEncode(pcm)) assert.fail(`pcm ${pcm}: got ${encoded[i]}, want ${referenceUlawEncode(pcm)}`);
    }
  });

  test('encode(decode(code)) restores every code except the duplicate zero 0x7F', () => {
    const roundTrip = pcm16ToUlaw(ulawToPcm16(ALL_CODES));
    for (let code = 0; code < 256; code++) {
      assert.equal(roundTrip[code], code === 0x7f ? 0xff : code, `code 0x${code.toString(16)}`);
    }
  });

  test('clips the loudest samples to the extreme codes', () => {
    assert.deepEqual(Array.from(pcm16ToUlaw(Int16Array.of(32767, 32636, -32768, -32636))), [0x80, 0x80, 0x00, 0x00]);
  });
});

describe('A-law', () => {
  test('decodes all 256 codes like the reference', () => {
    const decoded = alawToPcm16(ALL_CODES);
    for (let code = 0; code < 256; code++) {
      assert.equal(decoded[code], referenceAlawDecode(code), `code 0x${code.toString(16)}`);
    }
  });

  test('decodes known points', () => {
    assert.deepEqual(Array.from(alawToPcm16(Uint8Array.of(0xd5, 0x55, 0x2a, 0xaa))), [8, -8, -32256, 32256]);
  });

  test('encodes every int16 value like the reference', () => {
    const encoded = pcm16ToAlaw(ALL_INT16);
    for (let i = 0; i < ALL_INT16.length; i++) {
      const pcm = ALL_INT16[i]!;
      if (encoded[i] !== referenceAlawEncode(pcm)) assert.fail(`pcm ${pcm}: got ${encoded[i]}, want ${referenceAlawEncode(pcm)}`);
    }
  });

  test('encode(decode(code)) restores every code', () => {
    assert.deepEqual(pcm16ToAlaw(alawToPcm16(ALL_CODES)), ALL_CODES);
  });

  test('small negative values map to the smallest negative code (one’s complement)', () => {
    assert.deepEqual(Array.from(pcm16ToAlaw(Int16Array.of(-1, -8, 0, 7))), [0x55, 0x55, 0xd5, 0xd5]);
  });
});
