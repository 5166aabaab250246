import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DBFS_FLOOR, peak, peakDbfs, rms, rmsDbfs, toDbfs } from '../../src/audio/levels.js';
import { sine } from './signals.js';

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

test('full-scale square wave is 0 dBFS RMS and peak', () => {
  const square = Int16Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -32768 : 32767));
  close(rmsDbfs(square), 0, 0.001);
  assert.equal(peak(square), 1);
  assert.equal(peakDbfs(square), 0);
});

test('full-scale sine reads −3.01 dBFS RMS', () => {
  close(rmsDbfs(sine(1000, 48000, 48000, 32767)), -3.01, 0.01);
});

test('halving the amplitude lowers the level by 6.02 dB', () => {
  const loud = sine(440, 8000, 8000, 16000);
  const quiet = sine(440, 8000, 8000, 8000);
  close(rmsDbfs(loud) - rmsDbfs(quiet), 6.02, 0.01);
  close(rms(loud) / rms(quiet), 2, 0.001);
});

test('peak is the largest magnitude, whichever its sign', () => {
  assert.equal(peak(Int16Array.of(100, -16384, 8192)), 0.5);
});

test('digital silence and empty input read the floor, not −Infinity', () => {
  assert.equal(DBFS_FLOOR, -100);
  assert.equal(rmsDbfs(new Int16Array(160)), -100);
  assert.equal(peakDbfs(new Int16Array(0)), -100);
  assert.equal(rms(new Int16Array(0)), 0);
});

test('levels below the floor are clamped to it; the floor is configurable', () => {
  assert.equal(toDbfs(1e-6), -100); // −120 dB
  assert.equal(toDbfs(1e-6, -140), -120);
  assert.equal(rmsDbfs(Int16Array.of(1), -60), -60); // one LSB is −90.3 dBFS
  close(rmsDbfs(Int16Array.of(1)), -90.31, 0.01);
});
