import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameLevels, speechSpan } from '../../src/audio/speech-span.js';
import { sine } from './signals.js';

/** `beforeMs` of silence, then `toneMs` of a 440 Hz tone of peak `amplitude` (int16 units), then `afterMs` of silence. */
function toneInSilence(rate: number, beforeMs: number, toneMs: number, afterMs: number, amplitude = 16_384): Int16Array {
  const n = (ms: number): number => Math.round((ms * rate) / 1000);
  const out = new Int16Array(n(beforeMs) + n(toneMs) + n(afterMs));
  out.set(sine(440, rate, n(toneMs), amplitude), n(beforeMs));
  return out;
}

test('speechSpan: digital silence, or less than one frame, spans nothing', () => {
  assert.deepEqual(speechSpan(new Int16Array(16_000), 16_000), { startMs: 0, endMs: 0, rms: 0 });
  assert.deepEqual(speechSpan(new Int16Array(100), 16_000), { startMs: 0, endMs: 0, rms: 0 });
});

test('speechSpan: a tone between silences, at a rate whose 10 ms frame is not a whole number of samples (22 050 Hz)', () => {
  const samples = toneInSilence(22_050, 300, 1000, 400);
  const levels = frameLevels(samples, 22_050);
  assert.equal(levels.length, 170);
  assert.ok(levels.every(Number.isFinite));
  const span = speechSpan(samples, 22_050);
  assert.equal(span.startMs, 300);
  assert.equal(span.endMs, 1300);
  // A sine at half scale: RMS 0.5 / √2 of full scale.
  assert.ok(Math.abs(span.rms - 16_384 / Math.SQRT2) < 200, `rms ${span.rms}`);
});

test('speechSpan: a recording longer than an argument list can hold (an hour at 8 kHz)', () => {
  const samples = toneInSilence(8000, 1000, 2000, 3_597_000, 8192);
  assert.deepEqual({ ...speechSpan(samples, 8000), rms: 0 }, { startMs: 1000, endMs: 3000, rms: 0 });
});
