/**
 * Voice-to-voice latency of the embedded engine: from the end of the caller's speech to the
 * first audio of the answer, less the silence the VAD must wait for (`silence_duration_ms`).
 *
 * An in-process Parley server (engine `local`) and, in a forked process, callers
 * (lib/latency-client.ts) that open sessions over /v1/realtime with input transcription and
 * every built-in tool, stream a microphone at real-time pace (20 ms frames: a −60 dBFS noise
 * floor with espeak-ng utterances mixed in), and time every frame they send and every event
 * they receive. Utterances are ones the agent answers by speaking (greetings, hours, questions
 * back, hand-offs). 8 sessions of 6 turns one after another, then 2 rounds of 4 concurrent
 * sessions. Per turn:
 *
 *   t_end          send time of the frame holding the byte at audio_end_ms − silence_duration_ms
 *   t_stopped      input_audio_buffer.speech_stopped received
 *   t_transcript   conversation.item.input_audio_transcription.completed received
 *   t_first_output response.output_item.added received
 *   t_first_audio  first response.output_audio.delta received
 *
 *   voice-to-voice = t_first_audio − t_end − silence;  VAD = t_stopped − t_end − silence;
 *   STT = t_transcript − t_stopped;  brain = t_first_output − t_transcript;
 *   first TTS chunk = t_first_audio − t_first_output.
 *
 * Baseline in the same run: conversation.item.create → conversation.item.added round trips on
 * the same connections, between turns.
 *
 * Run: node --import tsx bench/latency.bench.ts
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SILENCE_MS, type ClientReport, type TurnResult } from './lib/latency-client.js';
import { missingAudioTools } from './lib/voice-audio.js';
import { startLocalServer } from './lib/local-server.js';
import { environment, writeResult } from './lib/report.js';
import { summarize as stats, type Summary as Stats } from '../src/cli/load/percentiles.js';

const METRICS = {
  'voice-to-voice': (t: TurnResult['t']) => (t.firstAudio !== null && t.end !== null ? t.firstAudio - t.end - SILENCE_MS : null),
  '  VAD (stopped − end − silence)': (t: TurnResult['t']) => (t.stopped !== null && t.end !== null ? t.stopped - t.end - SILENCE_MS : null),
  '  STT (transcript − stopped)': (t: TurnResult['t']) => (t.transcript !== null && t.stopped !== null ? t.transcript - t.stopped : null),
  '  brain (first output − transcript)': (t: TurnResult['t']) => (t.firstOutput !== null && t.transcript !== null ? t.firstOutput - t.transcript : null),
  '  first TTS chunk (first audio − output)': (t: TurnResult['t']) => (t.firstAudio !== null && t.firstOutput !== null ? t.firstAudio - t.firstOutput : null),
  'response.created − stopped': (t: TurnResult['t']) => (t.created !== null && t.stopped !== null ? t.created - t.stopped : null),
  'voice-to-voice from the true end of speech': (t: TurnResult['t']) => (t.firstAudio !== null ? t.firstAudio - t.trueEnd - SILENCE_MS : null),
} as const;

function table(turns: readonly TurnResult[], baseline: readonly number[]): Record<string, Stats | null> {
  const out: Record<string, Stats | null> = {};
  for (const [name, f] of Object.entries(METRICS)) out[name.trim()] = stats(turns.map((x) => f(x.t)).filter((v): v is number => v !== null));
  out['VAD end − true end of speech (audio ms)'] = stats(turns.filter((x) => x.audioEndMs !== null).map((x) => x.audioEndMs! - SILENCE_MS - x.trueEndMs));
  out['baseline: item.create → item.added'] = stats(baseline);
  return out;
}

function print(title: string, rows: Record<string, Stats | null>): void {
  console.log(`\n${title}`);
  const names = [...Object.keys(METRICS), 'VAD end − true end of speech (audio ms)', 'baseline: item.create → item.added'];
  const width = Math.max(...names.map((n) => n.length));
  console.log(`${'ms'.padEnd(width)}    n     p50     p95     p99     min     max`);
  for (const name of names) {
    const s = rows[name.trim()];
    if (!s) continue;
    const c = (x: number): string => x.toFixed(1).padStart(7);
    console.log(`${name.padEnd(width)} ${String(s.n).padStart(4)} ${c(s.p50)} ${c(s.p95)} ${c(s.p99)} ${c(s.min)} ${c(s.max)}`);
  }
}

async function main(): Promise<void> {
  const missing = missingAudioTools();
  if (missing) throw new Error(missing);
  const server = await startLocalServer();
  const url = server.url;

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let report: ClientReport;
  try {
    const child = fork(fileURLToPath(new URL('./lib/latency-client.ts', import.meta.url)), [url], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    report = await new Promise<ClientReport>((resolve, reject) => {
      let got: ClientReport | null = null;
      child.on('message', (m) => (got = m as ClientReport));
      child.on('error', reject);
      child.on('exit', (code) => (got ? resolve(got) : reject(new Error(`latency client exited with ${code} and no report`))));
    });
  } finally {
    await server.shutdown();
  }
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverCpuPct = ((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100;

  for (const p of report.scriptCheck) console.log(`SCRIPT CHECK: ${p}`);
  const sequential = report.turns.filter((t) => t.mode === 'sequential');
  const concurrent = report.turns.filter((t) => t.mode === 'concurrent');
  // Latency counts turns that were one VAD turn and got a spoken answer; the rest are reported.
  const usable = (ts: readonly TurnResult[]) => ts.filter((t) => t.turns === 1 && t.t.firstAudio !== null);
  const results = {
    sequential: table(usable(sequential), report.baselineMs.filter((b) => b.mode === 'sequential').map((b) => b.ms)),
    concurrent4: table(usable(concurrent), report.baselineMs.filter((b) => b.mode === 'concurrent').map((b) => b.ms)),
    all: table(usable(report.turns), report.baselineMs.map((b) => b.ms)),
  };
  print(`sequential sessions (${sequential.length} turns)`, results.sequential);
  print(`4 concurrent sessions (${concurrent.length} turns)`, results.concurrent4);
  print(`all (${report.turns.length} turns)`, results.all);

  // STT time depends on the utterance's length: the recognizer re-decodes short ones at their end.
  const byLength: Record<string, { stt: Stats | null; voiceToVoice: Stats | null }> = {};
  const ok = usable(report.turns);
  for (const [name, lo, hi] of [['< 1.0 s of speech', 0, 1000], ['1.0–1.5 s', 1000, 1500], ['≥ 1.5 s', 1500, Infinity]] as const) {
    const ts = ok.filter((t) => t.speechMs >= lo && t.speechMs < hi);
    byLength[name] = {
      stt: stats(ts.map((t) => METRICS['  STT (transcript − stopped)'](t.t)).filter((v): v is number => v !== null)),
      voiceToVoice: stats(ts.map((t) => METRICS['voice-to-voice'](t.t)).filter((v): v is number => v !== null)),
    };
  }
  console.log('\nby utterance length (all turns)        n   STT p50   STT p95   v2v p50   v2v p95');
  for (const [name, { stt, voiceToVoice }] of Object.entries(byLength)) {
    if (!stt || !voiceToVoice) continue;
    const c = (x: number): string => x.toFixed(1).padStart(9);
    console.log(`  ${name.padEnd(34)} ${String(stt.n).padStart(4)} ${c(stt.p50)} ${c(stt.p95)} ${c(voiceToVoice.p50)} ${c(voiceToVoice.p95)}`);
  }

  const misheard = report.turns.filter((t) => !t.heardExactly);
  const wrongAnswer = report.turns.filter((t) => !t.answerOk);
  const excluded = report.turns.filter((t) => !(t.turns === 1 && t.t.firstAudio !== null));
  console.log(`\nturns heard exactly: ${report.turns.length - misheard.length}/${report.turns.length}; answered as scripted: ${report.turns.length - wrongAnswer.length}/${report.turns.length}; excluded from latency (split or no spoken answer): ${excluded.length}`);
  for (const t of misheard) console.log(`  misheard [${t.mode} s${t.session} ${t.voice}] "${t.say}" → "${t.transcript ?? '(none)'}"`);
  for (const t of excluded) console.log(`  excluded [${t.mode} s${t.session}] "${t.say}": ${t.turns} VAD turns, answer ${JSON.stringify(t.answer)}`);
  console.log(`pacer: ${report.lateFrames} of ${report.frames} frames sent > 10 ms late; server process CPU ${serverCpuPct.toFixed(0)}% of one core over ${wallS.toFixed(0)} s`);
  const v2v = results.all['voice-to-voice'];
  if (v2v) console.log(`targets p50 ≤ 150 ms, p95 ≤ 300 ms: p50 ${v2v.p50} ms ${v2v.p50 <= 150 ? 'met' : 'NOT met'}, p95 ${v2v.p95} ms ${v2v.p95 <= 300 ? 'met' : 'NOT met'}`);

  const out = {
    benchmark: 'latency',
    date: new Date().toISOString(),
    environment: environment(),
    method: {
      server: 'in-process Parley server, engine local (EnergyVad, pocketsphinx + receptionist grammar, ReceptionistBrain, espeak-ng), default voice',
      client: 'forked Node process; 20 ms PCM16 24 kHz frames at real-time pace (−60 dBFS white-noise floor + espeak-ng utterances, 5 voices, 150–175 wpm); performance.now() at every frame sent and event received',
      session: { turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: SILENCE_MS }, transcription: 'on', tools: 'all built-in' },
      runs: '8 sequential sessions × 6 turns; then 2 rounds of 4 concurrent sessions × 6 turns (starts staggered by 1.3 s)',
      definitions: {
        t_end: 'send time of the frame holding the byte at audio_end_ms − silence_duration_ms',
        voiceToVoice: 't_first_audio − t_end − silence_duration_ms',
        vad: 't_stopped − t_end − silence_duration_ms',
        stt: 't_transcript − t_stopped',
        brain: 't_first_output − t_transcript',
        firstTtsChunk: 't_first_audio − t_first_output',
        fromTrueEnd: 't_first_audio − (send time of the frame holding the last sound of the utterance, 40 dB below its loudest 10 ms) − silence_duration_ms',
        baseline: 'conversation.item.create → conversation.item.added round trip, between turns',
      },
      percentiles: 'linear interpolation between order statistics',
      wallSeconds: Math.round(wallS),
      serverProcessCpuPct: Math.round(serverCpuPct),
      pacerLateFrames: `${report.lateFrames} of ${report.frames} frames sent more than 10 ms after schedule`,
    },
    results,
    byUtteranceLength: byLength,
    quality: {
      turns: report.turns.length,
      heardExactly: report.turns.length - misheard.length,
      answeredAsScripted: report.turns.length - wrongAnswer.length,
      excludedFromLatency: excluded.length,
      scriptCheck: report.scriptCheck,
    },
    turns: report.turns,
    baselineMs: report.baselineMs,
  };
  writeResult('latency', out);
}

await main();
