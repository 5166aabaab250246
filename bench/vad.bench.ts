/**
 * EnergyVad.process on one 20 ms frame of 16 kHz PCM16 (320 samples) — run on every 20 ms of
 * every call with server VAD on. Baseline: plain RMS over the same frame (`rms` from the audio
 * module), measured in the same run.
 *
 * Run: node --import tsx bench/vad.bench.ts
 */
import { rms } from '../src/audio/levels.js';
import { EnergyVad } from '../src/engines/local/vad/energy-vad.js';
import { BATCHES, FRAMES_PER_BATCH, WARMUP_FRAMES, measureAll, printTable, type Result } from './lib/per-frame.js';
import { environment, writeResult } from './lib/report.js';

const RATE = 16000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (RATE * FRAME_MS) / 1000;
/**
 * Ten seconds of "turns": 1.5 s of syllable-rate (4 Hz) modulated voice-band tones, then 1 s of
 * low noise, repeated — so the VAD opens and closes turns while it is being timed, not only
 * measures silence. Returned as 20 ms frames.
 */
function frames(): Int16Array[] {
  const pcm = new Int16Array(10 * RATE);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const t = i / RATE;
    const inTurn = t % 2.5 < 1.5;
    const envelope = inTurn ? 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t) : 0;
    const voice = envelope * (6000 * Math.sin(2 * Math.PI * 180 * t) + 3000 * Math.sin(2 * Math.PI * 720 * t) + 1500 * Math.sin(2 * Math.PI * 2500 * t));
    pcm[i] = Math.round(voice + ((seed >>> 16) - 32768) / 256); // plus noise within ±128 (about −50 dBFS)
  }
  return Array.from({ length: pcm.length / FRAME_SAMPLES }, (_, k) => pcm.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
}

function main(): void {
  const input = frames();
  const count = input.length;
  const vad = new EnergyVad(RATE, { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 });
  let turns = 0;

  const results = measureAll([
    {
      name: 'EnergyVad.process, 320 samples',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const events = vad.process(input[i % count]!);
          sum += events.length;
          for (const event of events) if (event.type === 'speech_started') turns++;
        }
        return sum;
      },
    },
    {
      name: 'baseline: rms(), 320 samples',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += rms(input[i % count]!);
        return sum;
      },
    },
  ]);
  const [vadResult, rmsResult] = results as [Result, Result];
  const ratio = vadResult.medianNs / rmsResult.medianNs;
  const realtimeShare = vadResult.medianNs / (FRAME_MS * 1e6);
  // Sanity: the signal has a turn every 2.5 s, so the VAD must have opened turns while timed.
  const framesProcessed = WARMUP_FRAMES + BATCHES * FRAMES_PER_BATCH;
  const expectedTurns = Math.floor((framesProcessed * FRAME_MS) / 2500);
  if (Math.abs(turns - expectedTurns) > 2) throw new Error(`VAD opened ${turns} turns, expected about ${expectedTurns}`);

  printTable(results);
  console.log(`\nratio EnergyVad / rms: ${ratio.toFixed(2)}×`);
  console.log(`one stream uses ${(realtimeShare * 100).toFixed(4)}% of a core (≈ ${Math.floor(1 / realtimeShare)} streams per core)`);
  console.log(`turns detected while timing: ${turns} (expected ≈ ${expectedTurns})`);

  const report = {
    benchmark: 'vad',
    date: new Date().toISOString(),
    environment: environment(),
    method: {
      frame: '20 ms of 16 kHz PCM16 (320 samples); signal alternates 1.5 s modulated tones and 1 s of noise',
      warmupFrames: WARMUP_FRAMES,
      batches: BATCHES,
      framesPerBatch: FRAMES_PER_BATCH,
      statistic: 'median (p10, p90) over batches of the mean ns per frame within a batch',
    },
    results,
    ratios: { energyVadVsRms: ratio },
    realtimeShare,
    turnsDetected: turns,
  };
  writeResult('vad', report);
}

main();
