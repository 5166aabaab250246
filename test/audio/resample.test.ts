import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { concatPcm16 } from '../../src/audio/pcm16.js';
import { Resampler, resample } from '../../src/audio/resample.js';
import { chunk, db, noise, rmsOf, sine } from './signals.js';

const AMPLITUDE = 10000;

/**
 * SNR of `output` against the ideal (unquantised) sine, after alignment.
 *
 * Alignment: the resampler centres its filter on each output instant, so output sample n
 * should line up with time n / rate with no delay to undo. Rather than assume it, we pick
 * the lag in ±8 samples (less than half a period of the test tones, so unambiguous) that
 * best correlates with the ideal sine; callers assert that lag is 0. The SNR then covers the
 * interior only, skipping `edge` samples at both ends where the filter reaches past the
 * signal into the implicit silence around it.
 */
function alignedSnr(output: Int16Array, frequency: number, rate: number, edge: number): { lag: number; snr: number } {
  const ideal = (i: number) => AMPLITUDE * Math.sin((2 * Math.PI * frequency * i) / rate);
  let best = { lag: 0, correlation: -Infinity };
  for (let lag = -8; lag <= 8; lag++) {
    let correlation = 0;
    for (let i = edge; i < output.length - edge; i++) correlation += output[i + lag]! * ideal(i);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  let signal = 0;
  let error = 0;
  for (let i = edge; i < output.length - edge; i++) {
    signal += ideal(i) ** 2;
    error += (output[i + best.lag]! - ideal(i)) ** 2;
  }
  return { lag: best.lag, snr: 10 * Math.log10(signal / error) };
}

function resampleInChunks(input: Int16Array, from: number, to: number, sizes: readonly number[]): Int16Array {
  const resampler = new Resampler(from, to);
  const outputs = chunk(input, sizes).map((part) => resampler.process(part));
  return concatPcm16([...outputs, resampler.flush()]);
}

describe('resample quality', () => {
  test('1 kHz sine 24 kHz → 8 kHz → 24 kHz keeps SNR > 30 dB, time-aligned', () => {
    const down = resample(sine(1000, 24000, 24000, AMPLITUDE), 24000, 8000);
    const roundTrip = resample(down, 8000, 24000);
    const { lag, snr } = alignedSnr(roundTrip, 1000, 24000, 480);
    assert.equal(lag, 0);
    assert.ok(snr > 30, `SNR ${snr.toFixed(1)} dB`);
  });

  test('1 kHz sine 16 kHz → 24 kHz (ratio 3/2) keeps SNR > 30 dB, time-aligned', () => {
    const up = resample(sine(1000, 16000, 16000, AMPLITUDE), 16000, 24000);
    const { lag, snr } = alignedSnr(up, 1000, 24000, 480);
    assert.equal(lag, 0);
    assert.ok(snr > 30, `SNR ${snr.toFixed(1)} dB`);
  });

  test('5 kHz tone 24 kHz → 8 kHz is attenuated by > 40 dB instead of aliasing to 3 kHz', () => {
    const input = sine(5000, 24000, 24000, AMPLITUDE);
    const output = resample(input, 24000, 8000);
    const attenuation = db(rmsOf(output, 160, output.length - 160) / rmsOf(input));
    assert.ok(attenuation < -40, `attenuation ${attenuation.toFixed(1)} dB`);
  });

  test('upsampling 8 kHz → 24 kHz adds no images: the output is the tone and little else', () => {
    const input = sine(3000, 8000, 8000, AMPLITUDE);
    const output = resample(input, 8000, 24000);
    const { lag, snr } = alignedSnr(output, 3000, 24000, 480);
    assert.equal(lag, 0);
    assert.ok(snr > 30, `SNR ${snr.toFixed(1)} dB`);
  });

  test('a constant signal stays exactly constant away from the edges', () => {
    const dc = new Int16Array(1600).fill(12345);
    for (const [from, to] of [[8000, 24000], [16000, 24000], [24000, 8000]] as const) {
      const output = resample(dc, from, to);
      const interior = output.subarray(200, output.length - 200);
      assert.ok(interior.every((sample) => sample === 12345), `${from} → ${to}`);
    }
  });
});

describe('Resampler streaming', () => {
  const input = concatPcm16([noise(24000), sine(440, 24000, 24000, 20000)]);
  const pairs = [
    [24000, 8000],
    [8000, 24000],
    [16000, 24000],
    [24000, 16000],
    [48000, 8000],
    [44100, 16000],
  ] as const;

  for (const [from, to] of pairs) {
    test(`${from} → ${to}: 20 ms chunks give exactly the one-shot output`, () => {
      const frame = from / 50;
      const oneShot = resample(input, from, to);
      assert.deepEqual(resampleInChunks(input, from, to, [frame]), oneShot);
      assert.deepEqual(resampleInChunks(input, from, to, [1, 7, 333, 2, frame]), oneShot);
    });
  }

  test('holds back a constant lookahead of under 2.5 ms, which flush releases', () => {
    const resampler = new Resampler(8000, 24000);
    let produced = 0;
    let firstHeldBack: number | undefined;
    for (let frame = 1; frame <= 5; frame++) {
      produced += resampler.process(new Int16Array(160)).length;
      const heldBack = frame * 480 - produced;
      firstHeldBack ??= heldBack;
      assert.equal(heldBack, firstHeldBack, `frame ${frame}`);
    }
    assert.ok(firstHeldBack! > 0 && firstHeldBack! <= 60, `held back ${firstHeldBack} samples`);
    assert.equal(resampler.flush().length, firstHeldBack);
  });

  test('is reusable after flush', () => {
    const part = input.subarray(0, 4800);
    const resampler = new Resampler(24000, 8000);
    const first = concatPcm16([resampler.process(part), resampler.flush()]);
    const second = concatPcm16([resampler.process(part), resampler.flush()]);
    assert.deepEqual(second, first);
    assert.deepEqual(first, resample(part, 24000, 8000));
  });

  test('equal rates pass samples through as a copy', () => {
    const part = input.subarray(0, 100);
    const resampler = new Resampler(24000, 24000);
    const out = resampler.process(part);
    assert.deepEqual(out, part);
    assert.notEqual(out.buffer, part.buffer);
    assert.equal(resampler.flush().length, 0);
  });
});

describe('resample output length', () => {
  test('is ⌈input length × to / from⌉', () => {
    for (const [from, to] of [[24000, 8000], [8000, 24000], [16000, 24000], [24000, 16000], [8000, 48000], [44100, 16000]]) {
      for (const length of [0, 1, 2, 3, 159, 160, 161, 4801]) {
        const expected = Math.ceil((length * to!) / from!);
        assert.equal(resample(new Int16Array(length), from!, to!).length, expected, `${from} → ${to}, ${length} samples`);
      }
    }
  });
});

describe('rate validation', () => {
  for (const [from, to] of [[0, 8000], [8000, -1], [8000.5, 16000], [Number.NaN, 8000]]) {
    test(`rejects ${from} → ${to}`, () => {
      assert.throws(() => new Resampler(from!, to!), { name: 'AudioError', code: 'RESAMPLE_BAD_RATE' });
    });
  }

  test('rejects ratios whose filter table would be too large, saying why', () => {
    assert.throws(() => new Resampler(8000, 44101), {
      code: 'RESAMPLE_BAD_RATE',
      message: /resampling by 44101\/8000 needs \d+ filter taps \(limit 1048576\)/,
    });
  });

  test('accepts awkward but practical ratios such as 44100 → 48000', () => {
    const out = resample(sine(1000, 44100, 4410), 44100, 48000);
    assert.equal(out.length, 4800);
    const { lag, snr } = alignedSnr(out, 1000, 48000, 480);
    assert.equal(lag, 0);
    assert.ok(snr > 30, `SNR ${snr.toFixed(1)} dB`);
  });
});
