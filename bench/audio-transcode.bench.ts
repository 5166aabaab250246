/**
 * µ-law 8 kHz → PCM16 24 kHz, one 20 ms frame at a time, through a warm FormatConverter —
 * the per-connection inbound path for telephony clients. Baseline: plain copies of the input
 * frame (160 B) and of the output frame (960 B), measured in the same run.
 *
 * Run: node --import tsx bench/audio-transcode.bench.ts
 */
import { FormatConverter } from '../src/audio/formats.js';
import { pcm16ToUlaw, ulawToPcm16 } from '../src/audio/g711.js';
import { Resampler } from '../src/audio/resample.js';
import { BATCHES, FRAMES_PER_BATCH, WARMUP_FRAMES, measureAll, printTable, type Result } from './lib/per-frame.js';
import { environment, writeResult } from './lib/report.js';

const FRAME_MS = 20;
const FRAME_BYTES = 160; // 20 ms of 8 kHz µ-law
/** One second of speech-band audio (three tones and noise), µ-law encoded, as 50 frames. */
function ulawFrames(): Uint8Array[] {
  const pcm = new Int16Array(8000);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const t = i / 8000;
    const tones =
      6000 * Math.sin(2 * Math.PI * 220 * t) +
      3000 * Math.sin(2 * Math.PI * 1250 * t) +
      1500 * Math.sin(2 * Math.PI * 3100 * t);
    pcm[i] = Math.round(tones + ((seed >>> 16) - 32768) / 16); // plus noise within ±2048
  }
  const ulaw = pcm16ToUlaw(pcm);
  return Array.from({ length: ulaw.length / FRAME_BYTES }, (_, k) => ulaw.slice(k * FRAME_BYTES, (k + 1) * FRAME_BYTES));
}

function main(): void {
  const frames = ulawFrames();
  const count = frames.length;
  const decodedFrames = frames.map((frame) => ulawToPcm16(frame));
  const outputFrames = frames.map(() => new Uint8Array(FRAME_BYTES * 6)); // 480 samples × 2 B
  const converter = new FormatConverter({ type: 'audio/pcmu' }, 24000);
  const resampler = new Resampler(8000, 24000);

  const results = measureAll([
    {
      name: 'µ-law 8 kHz → PCM16 24 kHz (FormatConverter)',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += converter.convert(frames[i % count]!).length;
        return sum;
      },
    },
    {
      name: 'part: µ-law decode, 160 samples',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += ulawToPcm16(frames[i % count]!).length;
        return sum;
      },
    },
    {
      name: 'part: resample 8 → 24 kHz, 160 → 480 samples',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += resampler.process(decodedFrames[i % count]!).length;
        return sum;
      },
    },
    {
      name: 'baseline: copy 160 B input frame',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += frames[i % count]!.slice().length;
        return sum;
      },
    },
    {
      name: 'baseline: copy 960 B output frame',
      run: (n) => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += outputFrames[i % count]!.slice().length;
        return sum;
      },
    },
  ]);
  const [transcode, , , copyIn, copyOut] = results as [Result, Result, Result, Result, Result];
  const ratios = {
    transcodeVsCopy160B: transcode.medianNs / copyIn.medianNs,
    transcodeVsCopy960B: transcode.medianNs / copyOut.medianNs,
  };
  const realtimeShare = transcode.medianNs / (FRAME_MS * 1e6);

  printTable(results);
  console.log(`\nratio transcode / copy 160 B: ${ratios.transcodeVsCopy160B.toFixed(0)}×`);
  console.log(`ratio transcode / copy 960 B: ${ratios.transcodeVsCopy960B.toFixed(0)}×`);
  console.log(`one stream uses ${(realtimeShare * 100).toFixed(3)}% of a core (≈ ${Math.floor(1 / realtimeShare)} streams per core)`);

  const report = {
    benchmark: 'audio-transcode',
    date: new Date().toISOString(),
    environment: environment(),
    method: {
      frame: '20 ms: 160 B µ-law in, 480 PCM16 samples (960 B) out',
      warmupFrames: WARMUP_FRAMES,
      batches: BATCHES,
      framesPerBatch: FRAMES_PER_BATCH,
      statistic: 'median (p10, p90) over batches of the mean ns per frame within a batch',
    },
    results,
    ratios,
    realtimeShare,
  };
  writeResult('audio-transcode', report);
}

main();
