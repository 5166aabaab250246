/**
 * The callers of bench/soak.bench.ts, in their own process (forked by it) so that their
 * sockets, buffers and timers are not counted in the server's memory and handles.
 *
 * The benchmark sends `{ type: 'run', from, count, concurrency }`; this process opens sessions
 * `from … from + count − 1` on `/v1/realtime` (the default, public demo agent), `concurrency`
 * at a time, each playing the scenario its index picks (SCENARIOS, in a fixed cycle of 20), and
 * answers `{ type: 'done', … }` once every one of them has closed. Every session waits for
 * `session.created` and the start of the greeting (except those that leave before), some take
 * a real turn (typed, spoken, or one that runs a tool), and they end in different ways: the
 * client closes mid-greeting or after the answer, the socket is destroyed without a close
 * frame, the agent hangs up after a goodbye, or the client leaves before the session started.
 *
 * Usage (by the benchmark): fork(this file, [wsUrl]); it sends `{ type: 'ready' }` once its
 * speech is made.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { resample } from '../../src/audio/index.js';
import { addNoise, concat, rmsOfDbfs, silence, SpeechSynth, WhiteNoise } from './voice-audio.js';

// Server events are read freely; their shapes are the protocol's.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any> & { type: string };

export type Scenario =
  | 'leave-before-created'
  | 'leave-after-created'
  | 'close-mid-greeting'
  | 'destroy-mid-greeting'
  | 'text-turn'
  | 'barge-in-text'
  | 'tool-turn'
  | 'spoken-turn'
  | 'destroy-after-answer'
  | 'agent-hangs-up';

/** One cycle of 20 sessions: which scenario session k plays is SCENARIOS[k % 20]. */
export const SCENARIOS: readonly Scenario[] = [
  'close-mid-greeting',
  'text-turn',
  'spoken-turn',
  'destroy-mid-greeting',
  'close-mid-greeting',
  'tool-turn',
  'leave-before-created',
  'text-turn',
  'barge-in-text',
  'spoken-turn',
  'close-mid-greeting',
  'destroy-after-answer',
  'text-turn',
  'agent-hangs-up',
  'leave-after-created',
  'spoken-turn',
  'barge-in-text',
  'close-mid-greeting',
  'destroy-mid-greeting',
  'text-turn',
];

export interface RunRequest {
  type: 'run';
  from: number;
  count: number;
  concurrency: number;
}

export interface RunReport {
  type: 'done';
  from: number;
  count: number;
  wallMs: number;
  /** Sessions that played their scenario to the end, per scenario. */
  ok: Partial<Record<Scenario, number>>;
  failed: Partial<Record<Scenario, number>>;
  /** The first few failures, with their session index. */
  errors: string[];
  /** How long each session lasted (connect → closed), ms. */
  sessionMs: { p50: number; p95: number; max: number };
  /** Turns whose answer was checked: spoken turns whose transcript was the exact words. */
  spokenHeardExactly: number;
  spokenTurns: number;
}

const TIMEOUT_MS = 30_000;
/** SOAK_SCENARIOS=a,b: only those, in turn (to find which one leaks). */
const ONLY = (process.env.SOAK_SCENARIOS ?? '').split(',').filter(Boolean) as Scenario[];
const RATE = 24000;
const SPOKEN = 'When are you open';
const HOURS = /^We're open Monday to Friday/;

/** A minimal Realtime client: every event kept, the next one of a type awaited. */
class Caller {
  readonly events: Json[] = [];
  private cursor = 0;
  private waiter: { match: (e: Json) => boolean; resolve: (e: Json) => void } | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as Json;
      this.events.push(e);
      const w = this.waiter;
      if (w && w.match(e)) {
        this.waiter = null;
        this.cursor = this.events.length;
        w.resolve(e);
      }
    });
    ws.on('error', () => {}); // reported by `closed` and the timeouts
    this.closed = new Promise((done) => ws.once('close', (code, reason) => done({ code, reason: String(reason) })));
  }

  static open(url: string): Promise<Caller> {
    const ws = new WebSocket(url);
    const caller = new Caller(ws);
    return new Promise((done, fail) => {
      ws.once('open', () => done(caller));
      ws.once('error', fail);
    });
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  /** The next event (after those already awaited) of `type` matching `pred`. */
  next(type: string, pred: (e: Json) => boolean = () => true): Promise<Json> {
    const match = (e: Json): boolean => e.type === type && pred(e);
    for (let i = this.cursor; i < this.events.length; i++) {
      if (match(this.events[i]!)) {
        this.cursor = i + 1;
        return Promise.resolve(this.events[i]!);
      }
    }
    return new Promise((done, fail) => {
      this.waiter = { match, resolve: done };
      void this.closed.then(({ code, reason }) => fail(new Error(`closed (${code} ${reason}) while waiting for ${type}; got ${this.events.slice(this.cursor).map((e) => e.type).join(', ') || 'nothing'}`)));
    });
  }

  /** A typed turn: the user's words, then a response; resolves with the answer's response.done. */
  async say(text: string): Promise<Json> {
    this.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    this.send({ type: 'response.create' });
    return this.answer();
  }

  /** The next response.done that carries a message (a tool call's response is followed by the answer's). */
  async answer(): Promise<Json> {
    for (;;) {
      const done = await this.next('response.done');
      if (done.response?.status !== 'completed') throw new Error(`response ${done.response?.status}: ${JSON.stringify(done.response?.status_details)}`);
      if ((done.response.output as Json[]).some((o) => o.type === 'message')) return done;
    }
  }

  /** A normal close (1000), resolved when the server has answered it. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'bye');
    await this.closed;
  }

  /** The TCP connection destroyed at once: no close frame (a caller whose network died). */
  async destroy(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}

const answerText = (done: Json): string => ((done.response?.output ?? []) as Json[]).find((o) => o.type === 'message')?.content?.[0]?.transcript ?? ((done.response?.output ?? []) as Json[]).find((o) => o.type === 'message')?.content?.[0]?.text ?? '';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what}: timed out after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Speech {
  /** The utterance at 24 kHz with a −60 dBFS noise floor and 1.2 s of trailing "room". */
  pcm: Int16Array;
}

/** Plays scenario `s` on a new session; resolves once the connection has closed. */
async function play(url: string, k: number, s: Scenario, speech: Speech, stats: { spokenExact: number; spoken: number }): Promise<void> {
  // Every 4th caller says who they are: caller memory is read at start and written at the end.
  const query = k % 4 === 0 ? `?caller_id=%2B1555020${String(k % 50).padStart(4, '0')}` : '';
  const c = await Caller.open(`${url}${query}`);
  try {
    if (s === 'leave-before-created') return await c.close();
    await c.next('session.created');
    if (s === 'leave-after-created') return await c.close();
    // The start of the greeting: its first audio.
    await c.next('response.output_audio.delta');
    switch (s) {
      case 'close-mid-greeting':
        return await c.close();
      case 'destroy-mid-greeting':
        return await c.destroy();
      case 'barge-in-text': {
        // The caller types over the greeting: cancel it, ask something else.
        c.send({ type: 'response.cancel' });
        await c.next('response.done', (e) => e.response?.status === 'cancelled');
        const done = await c.say("I'd like to book a cleaning");
        if (!/What day works for you/.test(answerText(done))) throw new Error(`unexpected answer: ${answerText(done)}`);
        return await c.close();
      }
      default:
    }
    // The rest listen to the whole greeting first.
    await c.next('response.done');
    switch (s) {
      case 'text-turn':
      case 'destroy-after-answer': {
        const done = await c.say('When are you open?');
        if (!HOURS.test(answerText(done))) throw new Error(`unexpected answer: ${answerText(done)}`);
        return s === 'text-turn' ? await c.close() : await c.destroy();
      }
      case 'tool-turn': {
        const done = await c.say('What times are available tomorrow for a cleaning?');
        if (!c.events.some((e) => e.type === 'response.done' && (e.response.output as Json[]).some((o) => o.type === 'function_call' && o.name === 'check_availability'))) throw new Error('no check_availability call');
        if (!answerText(done)) throw new Error('no answer after the tool call');
        return await c.close();
      }
      case 'agent-hangs-up': {
        await c.say('Goodbye');
        // The agent ends the call itself once its goodbye has been heard.
        const end = await c.closed;
        if (end.code !== 1000) throw new Error(`the agent's hang-up closed with ${end.code} ${end.reason}`);
        return;
      }
      case 'spoken-turn': {
        // Faster than real time, in 200 ms appends: the VAD runs on the audio's own clock.
        const step = (RATE * 200) / 1000;
        for (let i = 0; i < speech.pcm.length; i += step) {
          const part = speech.pcm.subarray(i, i + step);
          c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64') });
        }
        const stopped = await c.next('input_audio_buffer.speech_stopped');
        const transcript = await c.next('conversation.item.input_audio_transcription.completed', (e) => e.item_id === stopped.item_id);
        const done = await c.answer();
        stats.spoken++;
        if (String(transcript.transcript).toLowerCase().replace(/[^a-z ]/g, '') === SPOKEN.toLowerCase()) stats.spokenExact++;
        if (!answerText(done)) throw new Error('no spoken answer');
        return await c.close();
      }
      default:
        throw new Error(`scenario ${s} not handled`);
    }
  } catch (err) {
    c.ws.terminate();
    throw err;
  }
}

async function runBatch(url: string, req: RunRequest, speech: Speech): Promise<RunReport> {
  const started = performance.now();
  const report: RunReport = { type: 'done', from: req.from, count: req.count, wallMs: 0, ok: {}, failed: {}, errors: [], sessionMs: { p50: 0, p95: 0, max: 0 }, spokenHeardExactly: 0, spokenTurns: 0 };
  const durations: number[] = [];
  const stats = { spokenExact: 0, spoken: 0 };
  let next = req.from;
  const end = req.from + req.count;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const k = next++;
      const s = ONLY.length > 0 ? ONLY[k % ONLY.length]! : SCENARIOS[k % SCENARIOS.length]!;
      const t0 = performance.now();
      try {
        await withTimeout(play(url, k, s, speech, stats), TIMEOUT_MS, `session ${k} (${s})`);
        report.ok[s] = (report.ok[s] ?? 0) + 1;
      } catch (err) {
        report.failed[s] = (report.failed[s] ?? 0) + 1;
        if (report.errors.length < 10) report.errors.push(`session ${k} (${s}): ${(err as Error).message}`);
      }
      durations.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: req.concurrency }, worker));
  durations.sort((a, b) => a - b);
  const q = (p: number): number => Math.round(durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0);
  report.sessionMs = { p50: q(0.5), p95: q(0.95), max: Math.round(durations.at(-1) ?? 0) };
  report.wallMs = Math.round(performance.now() - started);
  report.spokenHeardExactly = stats.spokenExact;
  report.spokenTurns = stats.spoken;
  return report;
}

function makeSpeech(): Speech {
  const synth = new SpeechSynth();
  try {
    const words = resample(synth.speak(SPOKEN, 'en-us', 160, 16000), 16000, RATE);
    // Room before and after the words, as a microphone hears it: the VAD needs its silence to end the turn.
    const pcm = concat(silence(300, RATE), words, silence(1200, RATE));
    return { pcm: addNoise(pcm, new WhiteNoise(0x50a4).next(pcm.length), rmsOfDbfs(-60)) };
  } finally {
    synth.dispose();
  }
}

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: soak-caller.ts <ws url>');
  const speech = makeSpeech();
  process.on('message', (msg: RunRequest) => {
    if (msg.type !== 'run') return;
    runBatch(url, msg, speech).then(
      (r) => process.send?.(r),
      (err: unknown) => process.send?.({ type: 'error', message: String(err) }),
    );
  });
  process.send?.({ type: 'ready' });
}

// Runs only as the forked caller process, not when the benchmark imports its types.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
