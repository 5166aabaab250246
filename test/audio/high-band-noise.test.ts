import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HighBandNoise } from '../../src/audio/high-band-noise.js';
import { rmsDbfs } from '../../src/audio/levels.js';
import { SttInput } from '../../src/engines/local/stt-input.js';

/** Energy of the signal in a DFT bin band [loHz, hiHz) at `rate`, summed over bins. */
function bandEnergy(x: Int16Array, rate: number, loHz: number, hiHz: number): number {
  const n = 2048;
  let e = 0;
  for (let k = Math.ceil((loHz * n) / rate); k < (hiHz * n) / rate; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * k * i) / n);
      im -= x[i]! * Math.sin((2 * Math.PI * k * i) / n);
    }
    e += re * re + im * im;
  }
  return e;
}

describe('HighBandNoise: a floor above the telephone band', () => {
  it('adds about −60 dBFS, mostly above 4 kHz at 16 kHz, the same every time', () => {
    const a = new HighBandNoise().addTo(new Int16Array(16000));
    assert.ok(Math.abs(rmsDbfs(a) - -60) < 1.5, `rms ${rmsDbfs(a).toFixed(1)} dBFS`);
    const high = bandEnergy(a, 16000, 4000, 8000);
    const low = bandEnergy(a, 16000, 0, 4000);
    assert.ok(high > 5 * low, `high/low band energy ${(high / low).toFixed(1)}`);
    assert.deepEqual(new HighBandNoise().addTo(new Int16Array(500)), a.subarray(0, 500), 'deterministic');
  });

  it('clips instead of wrapping', () => {
    const x = new HighBandNoise(-10).addTo(new Int16Array(1000).fill(32767));
    assert.ok(x.every((v) => v <= 32767 && v > 0));
  });

  it('is added for telephone input only', () => {
    const silence = new Uint8Array(1600).fill(0xff);
    assert.ok(rmsDbfs(new SttInput({ type: 'audio/pcmu' }, 16000).convert(silence)) > -70, 'µ-law 8 kHz gets the floor');
    const pcm24 = new Uint8Array(4800);
    assert.equal(rmsDbfs(new SttInput({ type: 'audio/pcm', rate: 24000 }, 16000).convert(pcm24)), rmsDbfs(new Int16Array(1)), 'wideband input is left alone');
  });
});
