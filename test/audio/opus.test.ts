import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpusScript from 'opusscript';
import { OPUS_FRAME_SAMPLES, OpusDecoder, OpusEncoder, openOpusCodecs, type OpusCodecError } from '../../src/audio/index.js';
import { rmsOf, sine } from './signals.js';

const RATE = 24000;

/** Encodes `signal` frame by frame and decodes each packet, as one WebRTC hop does. */
function roundTrip(signal: Int16Array): { out: Int16Array; bytes: number } {
  const enc = new OpusEncoder();
  const dec = new OpusDecoder();
  try {
    const out = new Int16Array(signal.length);
    let bytes = 0;
    for (let i = 0; i + OPUS_FRAME_SAMPLES <= signal.length; i += OPUS_FRAME_SAMPLES) {
      const packet = enc.encode(signal.subarray(i, i + OPUS_FRAME_SAMPLES));
      bytes += packet.length;
      const pcm = dec.decode(packet);
      assert.equal(pcm.length, OPUS_FRAME_SAMPLES, 'a 20 ms packet decodes to 20 ms');
      out.set(pcm, i);
    }
    return { out, bytes };
  } finally {
    enc.close();
    dec.close();
  }
}

/** Frequency from the count of upward zero crossings (a clean tone has one per period). */
function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return (crossings * rate) / samples.length;
}

describe('Opus codec (opusscript, 24 kHz mono, 20 ms frames)', () => {
  it('a 440 Hz tone survives the round trip: same frequency, energy within 1 dB, ~32 kbit/s', () => {
    const tone = sine(440, RATE, RATE, 10000);
    const { out, bytes } = roundTrip(tone);
    // Skip the codec's start-up (look-ahead and the encoder's first frames).
    const settled = out.subarray(RATE / 10);
    const f = frequencyOf(settled, RATE);
    assert.ok(Math.abs(f - 440) < 3, `decoded frequency ${f.toFixed(1)} Hz`);
    const ratioDb = 20 * Math.log10(rmsOf(settled) / rmsOf(tone.subarray(RATE / 10)));
    assert.ok(Math.abs(ratioDb) < 1, `energy changed by ${ratioDb.toFixed(2)} dB`);
    const kbps = (bytes * 8) / 1000;
    assert.ok(kbps > 8 && kbps < 64, `${kbps.toFixed(1)} kbit/s for one second of voice-band audio`);
  });

  it('keeps a 1 kHz tone apart from a 300 Hz one (not just energy: the pitch is right)', () => {
    for (const hz of [300, 1000]) {
      const { out } = roundTrip(sine(hz, RATE, RATE / 2, 8000));
      const f = frequencyOf(out.subarray(RATE / 10), RATE);
      assert.ok(Math.abs(f - hz) / hz < 0.02, `${hz} Hz came back as ${f.toFixed(1)} Hz`);
    }
  });

  it('silence stays silent and its packets are small', () => {
    const enc = new OpusEncoder();
    const dec = new OpusDecoder();
    try {
      let last: Buffer = Buffer.alloc(0);
      let decoded: Int16Array = new Int16Array(0);
      for (let i = 0; i < 10; i++) {
        last = enc.encode(new Int16Array(OPUS_FRAME_SAMPLES));
        decoded = dec.decode(last);
      }
      assert.ok(last.length < 40, `a silent frame takes ${last.length} bytes (speech: ~80)`);
      assert.ok(rmsOf(decoded) < 5, 'decodes to (near) digital silence');
    } finally {
      enc.close();
      dec.close();
    }
  });

  it('decodes what a browser sends: a 48 kHz encoder, 10 to 60 ms per packet, all to 24 kHz', () => {
    const browser = new OpusScript(48000, 1, OpusScript.Application.VOIP);
    const dec = new OpusDecoder();
    try {
      for (const ms of [10, 20, 40, 60]) {
        const frame = sine(440, 48000, 48 * ms);
        const packet = browser.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 48 * ms);
        assert.equal(dec.decode(packet).length, 24 * ms, `a ${ms} ms packet`);
      }
    } finally {
      browser.delete();
      dec.close();
    }
  });

  it('bad input fails with a code, and the decoder stays usable', () => {
    const enc = new OpusEncoder();
    const dec = new OpusDecoder();
    try {
      assert.throws(() => enc.encode(new Int16Array(100)), (e: OpusCodecError) => e.code === 'OPUS_BAD_FRAME' && /480 samples/.test(e.message));
      assert.throws(() => dec.decode(new Uint8Array(0)), (e: OpusCodecError) => e.code === 'OPUS_BAD_PACKET');
      assert.throws(() => dec.decode(new Uint8Array(5000)), (e: OpusCodecError) => e.code === 'OPUS_BAD_PACKET');
      // Code 3 (arbitrary frames) with a frame count of 0 is invalid Opus.
      assert.throws(() => dec.decode(Buffer.from([0x03, 0x00])), (e: OpusCodecError) => e.code === 'OPUS_BAD_PACKET');
      assert.equal(dec.decode(enc.encode(sine(440, RATE, OPUS_FRAME_SAMPLES))).length, OPUS_FRAME_SAMPLES);
    } finally {
      enc.close();
      dec.close();
    }
  });

  it('close frees the handle once; a closed codec refuses work', () => {
    const before = openOpusCodecs();
    const enc = new OpusEncoder({ bitrate: 24000 });
    const dec = new OpusDecoder();
    assert.equal(openOpusCodecs(), before + 2);
    enc.close();
    enc.close();
    dec.close();
    assert.equal(openOpusCodecs(), before);
    assert.equal(enc.closed, true);
    assert.throws(() => enc.encode(new Int16Array(OPUS_FRAME_SAMPLES)), (e: OpusCodecError) => e.code === 'OPUS_CLOSED');
    assert.throws(() => dec.decode(Buffer.from([0x08, 0x00])), (e: OpusCodecError) => e.code === 'OPUS_CLOSED');
  });
});
