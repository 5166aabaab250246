/**
 * One simulated caller on `/v1/realtime`: a Realtime client whose microphone streams from the
 * first `session.created` to the hang-up, one PCM16 24 kHz frame per 20 ms off the shared frame
 * clock — the utterance when it is the caller's turn, a −60 dBFS hiss otherwise — and whose
 * player is only measured (PlayoutMeter), never played.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { realtimeUrl, refused, unreachable } from '../talk/session-api.js';
import type { ClockSubscriber, FrameClock } from './frame-clock.js';
import type { Samples } from './percentiles.js';
import { FRAME_MS, PlayoutMeter } from './playout.js';
import { CallerFailure, CallerStopped, newResult, playScript, type CallerResult, type CallerScript, type Failure, type ResponseFigures } from './results.js';
import type { WsFrames } from './utterance.js';
import { greetingBegun, pause, Wakeup } from './wait.js';

export interface WsCallerOptions extends CallerScript {
  /** The server's http(s) URL. */
  base: URL;
  agent?: string;
  key?: string;
  clock: FrameClock;
  frames: WsFrames;
  /** Where every frame's send lateness goes (ms), all callers together. */
  sendLateness: Samples;
}

/** PCM16 24 kHz: 960 bytes per 20 ms. */
const FRAME_BYTES = 960;
/** After an answer's last response, this long without a new one (a tool's follow-up) before it counts as finished. */
const SETTLE_MS = 800;

interface Track {
  id: string;
  meter: PlayoutMeter;
  done: boolean;
  doneAt: number;
  transcript?: string;
}

/** Bytes in a base64 string, without decoding it. */
const base64Bytes = (s: string): number => (s.length * 3) / 4 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);

const DELTA_PREFIX = '{"type":"response.output_audio.delta"';
const RESPONSE_ID = '"response_id":"';
const DELTA = '"delta":"';

/**
 * The response id and audio bytes of a `response.output_audio.delta` as Parley serializes it
 * (ids and base64 need no JSON escapes); null when it is laid out otherwise (then it is parsed).
 */
function audioDelta(text: string): { responseId: string; bytes: number } | null {
  const r = text.indexOf(RESPONSE_ID);
  const d = text.indexOf(DELTA);
  if (r < 0 || d < 0) return null;
  const rEnd = text.indexOf('"', r + RESPONSE_ID.length);
  const dEnd = text.indexOf('"', d + DELTA.length);
  if (rEnd < 0 || dEnd < 0) return null;
  const b64 = dEnd - (d + DELTA.length);
  const pad = text[dEnd - 1] === '=' ? (text[dEnd - 2] === '=' ? 2 : 1) : 0;
  return { responseId: text.slice(r + RESPONSE_ID.length, rEnd), bytes: (b64 * 3) / 4 - pad };
}

export class WsCaller implements ClockSubscriber {
  readonly result: CallerResult;
  private ws: WebSocket | null = null;
  private connectAt = 0;
  private sessionCreated = false;
  private readonly tracks: Track[] = [];
  private readonly byId = new Map<string, Track>();
  private readonly wake = new Wakeup();
  private closed: { code: number; reason: string } | null = null;
  private hungUp = false;
  // The microphone.
  private micOn = false;
  private streamStart = NaN;
  private sent = 0;
  private speechPos = -1;
  private speechEndAt = NaN;

  constructor(private readonly o: WsCallerOptions) {
    this.result = newResult(o.index);
  }

  async run(): Promise<CallerResult> {
    await playScript(this.result, () => this.script());
    await this.hangUp();
    this.result.frames = this.tracks.reduce((n, t) => n + t.meter.frames, 0);
    this.result.ok &&= this.result.failures.length === 0;
    return this.result;
  }

  private fail(f: Failure): void {
    this.result.failures.push(f);
  }

  private async script(): Promise<void> {
    const { timeoutMs, stop } = this.o;
    await this.connect();
    await this.until(() => this.sessionCreated, timeoutMs, () => ({ reason: 'setup_failed', detail: `no session.created within ${timeoutMs / 1000} s of the connection` }));

    // The greeting, if the agent has one: it starts right after session.created.
    await greetingBegun(this.wake, () => this.tracks.length > 0, stop, () => this.closedFailure());
    if (this.tracks.length > 0) {
      await this.until(() => this.tracks[0]!.meter.started || this.tracks[0]!.done, timeoutMs, () => ({ reason: 'no_answer', detail: `the greeting's audio did not start within ${timeoutMs / 1000} s` }));
      const greeting = this.tracks[0]!;
      if (greeting.meter.started) this.result.greetingMs = round(greeting.meter.firstAt - this.connectAt);
      await this.answerDone(0, 'the greeting');
      this.result.greeting = figures(greeting);
    }

    for (let turn = 0; turn < this.o.turns; turn++) {
      await pause(this.o.pauseMs, stop);
      const from = this.tracks.length;
      this.speechEndAt = NaN;
      this.speechPos = 0;
      const speechMs = this.o.frames.speech.length * FRAME_MS;
      await this.until(() => !Number.isNaN(this.speechEndAt), speechMs + timeoutMs, () => ({ reason: 'error_event', detail: 'the utterance could not be sent in time' }));
      const endAt = this.speechEndAt;
      const answer = (): Track[] => this.tracks.slice(from);
      await this.until(
        () => answer().some((t) => t.meter.started),
        Math.max(1, endAt + timeoutMs - performance.now()),
        () => ({ reason: 'no_answer', detail: `turn ${turn + 1}: no agent audio within ${timeoutMs / 1000} s of the end of speech (${answer().length} response(s) started)` }),
      );
      const first = Math.min(...answer().filter((t) => t.meter.started).map((t) => t.meter.firstAt));
      await this.answerDone(from, `turn ${turn + 1}'s answer`);
      const responses = answer().map(figures);
      this.result.turns.push({
        voiceToVoiceMs: first >= endAt ? round(first - endAt) : null,
        answeredEarly: first < endAt,
        answerMs: round(responses.reduce((n, r) => n + r.audioMs, 0)),
        responses,
      });
    }
  }

  /** Every response from `from` on is done, its audio played out, and no new one came for SETTLE_MS. */
  private async answerDone(from: number, what: string): Promise<void> {
    const { timeoutMs } = this.o;
    await this.until(
      () => {
        const ts = this.tracks.slice(from);
        if (ts.length === 0 || ts.some((t) => !t.done)) return false;
        const now = performance.now();
        const playedOut = Math.max(...ts.map((t) => (t.meter.started ? t.meter.playedOutAt : t.doneAt)));
        const lastDone = Math.max(...ts.map((t) => t.doneAt));
        return now >= playedOut && now - lastDone >= SETTLE_MS;
      },
      timeoutMs + SETTLE_MS,
      () => ({ reason: 'no_answer', detail: `${what} did not end within ${timeoutMs / 1000} s` }),
    );
  }

  private until(cond: () => boolean, timeoutMs: number, onTimeout: () => Failure): Promise<void> {
    return this.wake.until(cond, timeoutMs, () => new CallerFailure(onTimeout()), this.o.stop, () => this.closedFailure());
  }

  private closedFailure(): CallerFailure | null {
    if (!this.closed || this.hungUp) return null;
    return new CallerFailure({ reason: 'closed_early', detail: `the server closed the session (${this.closed.code}${this.closed.reason ? ` ${this.closed.reason}` : ''})` });
  }

  private connect(): Promise<void> {
    const { base, agent, key, timeoutMs } = this.o;
    const url = realtimeUrl(base);
    if (agent) url.searchParams.set('agent', agent);
    const target = { url: base, ...(agent ? { agent } : {}), ...(key ? { key } : {}) };
    this.connectAt = performance.now();
    const ws = new WebSocket(url, ['realtime'], { headers: key ? { authorization: `Bearer ${key}` } : {}, handshakeTimeout: timeoutMs });
    this.ws = ws;
    ws.on('message', (data) => this.onMessage(String(data), performance.now()));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this.o.clock.delete(this);
      this.wake.notify();
    });
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const onStop = (): void => {
        ws.terminate();
        reject(new CallerStopped('stopped'));
      };
      this.o.stop.addEventListener('abort', onStop, { once: true });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        const refuse = (): void => {
          const err = refused('The server refused the connection', res.statusCode ?? 0, body, target);
          reject(new CallerFailure({ reason: 'refused', detail: err.message.split('\n')[0]! }));
        };
        res.on('end', refuse);
        res.on('error', refuse);
      });
      ws.on('error', (err) => {
        if (!opened) reject(new CallerFailure({ reason: 'setup_failed', detail: unreachable(base, err).message.split('. Is the server')[0]! }));
      });
      ws.once('open', () => {
        opened = true;
        this.o.stop.removeEventListener('abort', onStop);
        resolve();
      });
    });
  }

  private onMessage(text: string, now: number): void {
    // Audio deltas are most of the traffic: read without parsing the whole message.
    if (text.startsWith(DELTA_PREFIX)) {
      const delta = audioDelta(text);
      if (delta) {
        this.track(delta.responseId).meter.receive(delta.bytes, now);
        return;
      }
    }
    let e: { type?: string; [k: string]: unknown };
    try {
      e = JSON.parse(text) as typeof e;
    } catch {
      this.fail({ reason: 'error_event', detail: `the server sent a message that is not JSON: ${text.slice(0, 80)}` });
      return;
    }
    switch (e.type) {
      case 'session.created': {
        this.sessionCreated = true;
        this.result.sessionId = ((e.session as { id?: string } | undefined)?.id ?? null) || null;
        this.result.setupMs = round(now - this.connectAt);
        this.micOn = true;
        this.o.clock.add(this);
        break;
      }
      case 'response.created':
        this.track((e.response as { id: string }).id);
        break;
      case 'response.output_audio.delta':
        this.track(e.response_id as string).meter.receive(base64Bytes(e.delta as string), now);
        break;
      case 'response.output_audio_transcript.done':
        this.track(e.response_id as string).transcript = e.transcript as string;
        break;
      case 'response.done': {
        const r = e.response as { id: string; status?: string; status_details?: unknown };
        const t = this.track(r.id);
        t.done = true;
        t.doneAt = now;
        t.meter.finish();
        if (r.status === 'failed') this.fail({ reason: 'error_event', detail: `response ${r.id} failed: ${JSON.stringify(r.status_details ?? null).slice(0, 200)}` });
        break;
      }
      case 'error': {
        const err = (e.error ?? {}) as { code?: string; type?: string; message?: string };
        this.fail({ reason: 'error_event', detail: `${err.code ?? err.type ?? 'error'}: ${err.message ?? ''}` });
        break;
      }
      default:
        return;
    }
    this.wake.notify();
  }

  private track(id: string): Track {
    let t = this.byId.get(id);
    if (!t) {
      t = { id, meter: new PlayoutMeter(FRAME_BYTES, this.result.lateness, this.result.gaps), done: false, doneAt: NaN };
      this.byId.set(id, t);
      this.tracks.push(t);
    }
    return t;
  }

  /** The microphone: every frame owed by now, on the frame clock (frame k due at the stream's start + 20 ms × k). */
  onTick(_now: number, due: number): void {
    const ws = this.ws;
    if (!this.micOn || ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (Number.isNaN(this.streamStart)) this.streamStart = due;
    const owed = Math.round((due - this.streamStart) / FRAME_MS) + 1;
    const { noise, speech, speechEndFrame } = this.o.frames;
    while (this.sent < owed) {
      const k = this.sent++;
      const speaking = this.speechPos >= 0;
      // Text frames from ready-made UTF-8: nothing is encoded per frame but the mask.
      ws.send(speaking ? speech[this.speechPos]! : noise[k % noise.length]!, { binary: false });
      const t = performance.now();
      this.o.sendLateness.push(Math.max(0, t - (this.streamStart + k * FRAME_MS)));
      if (speaking) {
        if (this.speechPos === speechEndFrame) {
          this.speechEndAt = t;
          this.wake.notify();
        }
        this.speechPos = this.speechPos + 1 < speech.length ? this.speechPos + 1 : -1;
      }
    }
  }

  private async hangUp(): Promise<void> {
    this.hungUp = true;
    this.micOn = false;
    this.o.clock.delete(this);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    if (ws.readyState === WebSocket.CONNECTING) return void ws.terminate();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      ws.close(1000, 'caller hung up');
    });
  }
}

const round = (x: number): number => Math.round(x * 10) / 10;

function figures(t: Track): ResponseFigures {
  return { id: t.id, frames: t.meter.frames, audioMs: round(t.meter.audioMs), maxLatenessMs: round(t.meter.maxLatenessMs), ...(t.transcript !== undefined ? { transcript: t.transcript } : {}) };
}
