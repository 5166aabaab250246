/**
 * The caller side of bench/latency.bench.ts, run in its own process (forked by it) so that its
 * clock readings are not delayed by the server's work on the server's event loop, and its own
 * work (base64, JSON) does not delay the server's — as with a real, remote caller.
 *
 * Each session streams a continuous microphone signal at real-time pace, one 20 ms frame per
 * `input_audio_buffer.append`: a −60 dBFS noise floor, with the caller's utterances mixed in
 * when it is their turn to speak. The send time of every frame is recorded, and every server
 * event's arrival time; per turn they give the timestamps the benchmark reports.
 *
 * Usage (by the benchmark): fork(this file, [wsUrl]); it answers with one IPC message.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resample } from '../../src/audio/index.js';
import { DEMO_VOCABULARY } from '../../src/engines/local/brain/nlu/vocabulary.js';
import { ReceptionistBrain } from '../../src/engines/local/brain/receptionist.js';
import { BUILTIN_TOOLS } from '../../src/tools/builtin/schemas.js';
import { rmsOfDbfs, speechEndMs, SpeechSynth, WhiteNoise, words } from './voice-audio.js';
import { ALL_TOOLS, openSession, type Received, type VoiceClient } from './voice-client.js';

export const SILENCE_MS = 500;
export const PREFIX_MS = 300;
const RATE = 24000;
const FRAME_MS = 20;
const FRAME = (RATE * FRAME_MS) / 1000;
const MIC_FLOOR_RMS = rmsOfDbfs(-60);

/** What the caller says, and what the agent must answer (spoken). */
interface Turn {
  say: string;
  reply: RegExp;
}

const HELLO = /^Hello! How can I help you today\?$/;
const HOURS = /^We're open Monday to Friday/;
const ASK_SERVICE = /^Which service would you like/;
const ASK_DAY = /^What day works for you\?$/;
const ASK_TIME = /^What time would you like\?$/;
const BYE = /^Thanks for calling\. Goodbye!$/;

/** Conversations whose every answer is spoken (questions back, greetings, hours, hand-offs). */
export const SCRIPTS: readonly (readonly Turn[])[] = [
  [
    { say: 'Hello', reply: HELLO },
    { say: 'I want to make an appointment', reply: ASK_SERVICE },
    { say: 'A cleaning', reply: ASK_DAY },
    { say: 'Next friday', reply: ASK_TIME },
    { say: 'When are you open', reply: HOURS },
    { say: 'Goodbye', reply: BYE },
  ],
  [
    { say: 'Good morning', reply: HELLO },
    { say: 'Are you open on saturday', reply: HOURS },
    { say: "I'd like to book a check-up", reply: ASK_DAY },
    { say: 'Tomorrow', reply: ASK_TIME },
    { say: 'Can I reschedule my appointment', reply: ASK_DAY },
    { say: 'Thank you bye', reply: BYE },
  ],
  [
    { say: 'Hi', reply: HELLO },
    { say: "What's the status of my order", reply: /^What's your order number\?$/ },
    { say: 'Look me up', reply: /^What's the phone number on your account\?$/ },
    { say: 'Can I reschedule my appointment', reply: ASK_DAY },
    { say: 'I want to talk to a real person', reply: /^Sure, I'll transfer you/ },
    { say: 'Goodbye', reply: BYE },
  ],
  [
    { say: 'Good afternoon', reply: HELLO },
    { say: 'What times are available tomorrow', reply: ASK_SERVICE },
    { say: 'When are you open', reply: HOURS },
    { say: 'I want to make an appointment', reply: ASK_SERVICE },
    { say: 'Can I speak to someone', reply: /^Sure, I'll transfer you/ },
    { say: 'No thanks', reply: BYE },
  ],
];

const VOICES = ['en-us', 'en-gb', 'en-us+m3', 'en-us+f2', 'en-us+m1'] as const;
const SPEEDS = [150, 160, 175, 165, 155] as const;

export interface TurnResult {
  mode: 'sequential' | 'concurrent';
  session: number;
  turn: number;
  say: string;
  voice: string;
  /** ms of speech in the utterance. */
  speechMs: number;
  transcript: string | null;
  /** The transcript has the utterance's exact words. */
  heardExactly: boolean;
  /** The agent's spoken answer matched what the script expects. */
  answerOk: boolean;
  answer: string | null;
  /** speech_stopped events for this utterance (1 unless the VAD split it). */
  turns: number;
  audioEndMs: number | null;
  /** Where the speech really ends (session audio clock, ms), from the clean signal. */
  trueEndMs: number;
  /** Wall-clock timestamps (performance.now() in the caller's process), ms. */
  t: {
    end: number | null;
    trueEnd: number;
    started: number | null;
    stopped: number | null;
    transcript: number | null;
    created: number | null;
    firstOutput: number | null;
    firstAudio: number | null;
    done: number | null;
  };
  /** How late the pacer sent this utterance's frames against their schedule: max ms. */
  maxSendLagMs: number;
}

export interface ClientReport {
  turns: TurnResult[];
  /** conversation.item.create → conversation.item.added round trips (ms), idle sessions. */
  baselineMs: { mode: 'sequential' | 'concurrent'; ms: number }[];
  scriptCheck: string[];
  /** Frames sent more than 10 ms after their schedule, of all frames. */
  lateFrames: number;
  frames: number;
}

/** The scripts as text through a fresh brain: every expected answer must come out (else the script is wrong). */
function checkScripts(): string[] {
  const tools = new Set(Object.keys(BUILTIN_TOOLS));
  const problems: string[] = [];
  for (const [s, script] of SCRIPTS.entries()) {
    const brain = new ReceptionistBrain(DEMO_VOCABULARY);
    for (const turn of script) {
      const r = brain.respond({ kind: 'user', text: turn.say }, tools);
      if (!turn.reply.test(r.say ?? '')) problems.push(`script ${s}: "${turn.say}" → ${JSON.stringify(r)}`);
    }
  }
  return problems;
}

interface Utterance {
  pcm: Int16Array;
  endMs: number;
}

class Session {
  private readonly noise = new WhiteNoise(0x51ed270b);
  private queue: Int16Array | null = null;
  private queuePos = 0;
  readonly sendTimes: number[] = [];
  /** Scheduled send time of each frame. */
  private readonly due: number[] = [];
  private running = true;
  private pacer: Promise<void> | null = null;

  constructor(readonly client: VoiceClient) {}

  /** Streams the microphone: one frame every 20 ms, on schedule, until stop(). */
  start(): void {
    const t0 = performance.now();
    this.pacer = (async () => {
      for (let k = 0; this.running; k++) {
        const due = t0 + k * FRAME_MS;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const frame = new Int16Array(FRAME);
        if (this.queue) {
          const part = this.queue.subarray(this.queuePos, this.queuePos + FRAME);
          frame.set(part);
          this.queuePos += part.length;
          if (this.queuePos >= this.queue.length) this.queue = null;
        }
        const noise = this.noise.next(FRAME);
        for (let i = 0; i < FRAME; i++) frame[i] = Math.max(-32768, Math.min(32767, Math.round(frame[i]! + noise[i]! * MIC_FLOOR_RMS)));
        this.client.append(frame);
        this.sendTimes.push(performance.now());
        this.due.push(due);
      }
    })();
  }

  /** Queues `pcm` to start with the next frame; returns that frame's index. */
  say(pcm: Int16Array): number {
    this.queue = pcm;
    this.queuePos = 0;
    return this.sendTimes.length;
  }

  get speaking(): boolean {
    return this.queue !== null;
  }

  /** Send time of the frame holding the audio just before `ms` on the session clock. */
  sentAt(ms: number): number | null {
    return this.sendTimes[Math.max(0, Math.ceil(ms / FRAME_MS) - 1)] ?? null;
  }

  lag(fromFrame: number, toFrame: number): number {
    let max = 0;
    for (let k = fromFrame; k < Math.min(toFrame, this.sendTimes.length); k++) max = Math.max(max, this.sendTimes[k]! - this.due[k]!);
    return max;
  }

  lateFrames(): number {
    return this.sendTimes.filter((t, k) => t - this.due[k]! > 10).length;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.pacer;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function runSession(url: string, mode: 'sequential' | 'concurrent', index: number, script: readonly Turn[], audio: Map<string, Utterance>, voiceOf: (turn: number) => string, report: ClientReport): Promise<void> {
  const client = await openSession(url, {
    tools: ALL_TOOLS,
    audio: {
      input: {
        transcription: { model: 'parley-local' },
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: PREFIX_MS, silence_duration_ms: SILENCE_MS, create_response: true, interrupt_response: true },
      },
    },
  });
  const session = new Session(client);
  session.start();
  let ping = 0;
  try {
    // Let the VAD hear the room before the caller speaks, as a call's first second does.
    await sleep(800);
    for (const [k, turn] of script.entries()) {
      // Baseline: a trivial server event's round trip through the same connection, while idle.
      const id = `item_bench_ping_${index}_${ping++}`;
      const sent = performance.now();
      client.send({ type: 'conversation.item.create', item: { id, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ping' }] } });
      const added = await client.next('conversation.item.added', (e) => e.item?.id === id, 5000);
      report.baselineMs.push({ mode, ms: added.at - sent });
      client.send({ type: 'conversation.item.delete', item_id: id });
      await client.next('conversation.item.deleted', (e) => e.item_id === id, 5000);

      const voice = voiceOf(k);
      const u = audio.get(`${voice}|${turn.say}`)!;
      const from = client.received.length;
      const frame0 = session.say(u.pcm);
      const trueEndMs = frame0 * FRAME_MS + u.endMs;
      const after = (type: string, pred: (e: Received['event']) => boolean = () => true): Received | undefined =>
        client.received.slice(from).find((r) => r.event.type === type && pred(r.event));

      // The turn ends with the response to the last speech_stopped of this utterance.
      await waitUntil(() => !session.speaking, 30_000);
      await waitUntil(() => after('input_audio_buffer.speech_stopped') !== undefined, 5000);
      await sleep(SILENCE_MS + 300); // a split turn would show a second speech_started by now
      const stops = client.received.slice(from).filter((r) => r.event.type === 'input_audio_buffer.speech_stopped');
      const stop = stops.at(-1);
      const itemId = stop?.event.item_id as string | undefined;
      const created = stop ? client.received.slice(client.received.indexOf(stop)).find((r) => r.event.type === 'response.created') : undefined;
      const responseId = created?.event.response?.id as string | undefined;
      const isDone = (): Received | undefined => (responseId ? after('response.done', (e) => e.response?.id === responseId) : undefined);
      await waitUntil(() => isDone() !== undefined, 30_000);
      const done = isDone();
      const transcript = itemId ? after('conversation.item.input_audio_transcription.completed', (e) => e.item_id === itemId) : undefined;
      const firstOutput = responseId ? after('response.output_item.added', (e) => e.response_id === responseId) : undefined;
      const firstAudio = responseId ? after('response.output_audio.delta', (e) => e.response_id === responseId) : undefined;
      const started = after('input_audio_buffer.speech_started');
      const answer = ((done?.event.response?.output ?? []) as { type: string; content?: { transcript?: string }[] }[]).find((o) => o.type === 'message')?.content?.[0]?.transcript ?? null;
      const audioEndMs = (stop?.event.audio_end_ms as number | undefined) ?? null;
      const text = (transcript?.event.transcript as string | undefined) ?? null;
      report.turns.push({
        mode,
        session: index,
        turn: k,
        say: turn.say,
        voice,
        speechMs: u.endMs,
        transcript: text,
        heardExactly: text !== null && words(text) === words(turn.say),
        answerOk: answer !== null && turn.reply.test(answer),
        answer,
        turns: stops.length,
        audioEndMs,
        trueEndMs,
        t: {
          end: audioEndMs === null ? null : session.sentAt(audioEndMs - SILENCE_MS),
          trueEnd: session.sentAt(trueEndMs)!,
          started: started?.at ?? null,
          stopped: stop?.at ?? null,
          transcript: transcript?.at ?? null,
          created: created?.at ?? null,
          firstOutput: firstOutput?.at ?? null,
          firstAudio: firstAudio?.at ?? null,
          done: done?.at ?? null,
        },
        maxSendLagMs: session.lag(frame0, frame0 + Math.ceil(u.pcm.length / FRAME) + SILENCE_MS / FRAME_MS),
      });
      // The caller listens to the end of the answer's last second (speech runs ≤ 1 s ahead), then pauses.
      await sleep(400);
    }
  } finally {
    await session.stop();
    report.lateFrames += session.lateFrames();
    report.frames += session.sendTimes.length;
    await client.close();
  }
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: latency-client.ts <ws url>');
  const report: ClientReport = { turns: [], baselineMs: [], scriptCheck: checkScripts(), lateFrames: 0, frames: 0 };

  // All speech is made before any session opens, so synthesis never competes with the measurement.
  const synth = new SpeechSynth();
  const audio = new Map<string, Utterance>();
  try {
    for (const script of SCRIPTS)
      for (const turn of script)
        for (const [v, voice] of VOICES.entries()) {
          const key = `${voice}|${turn.say}`;
          if (audio.has(key)) continue;
          const pcm = resample(synth.speak(turn.say, voice, SPEEDS[v]!, 16000), 16000, RATE);
          audio.set(key, { pcm, endMs: speechEndMs(pcm, RATE) });
        }
  } finally {
    synth.dispose();
  }

  // Sequential: 8 sessions one after another (each script twice, different voices).
  for (let s = 0; s < 8; s++) {
    const script = SCRIPTS[s % SCRIPTS.length]!;
    await runSession(url, 'sequential', s, script, audio, (k) => VOICES[(s + k) % VOICES.length]!, report);
  }
  // Concurrent: 4 sessions at a time, starts staggered by 1.3 s so turns overlap at random offsets; two rounds.
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      SCRIPTS.map(async (script, i) => {
        await sleep(i * 1300);
        const s = 100 + round * 10 + i;
        await runSession(url, 'concurrent', s, script, audio, (k) => VOICES[(i + k + round * 2) % VOICES.length]!, report);
      }),
    );
  }
  process.send?.(report);
}

// Runs only as the forked caller process, not when the benchmark imports its constants and types.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
