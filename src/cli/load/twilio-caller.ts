/**
 * One simulated phone call through the Twilio simulator (src/simulators/twilio): the signed
 * voice webhook, the media stream in real time off the simulator's own 20 ms ticker, the agent's
 * µ-law into its playback buffer. The agent's audio is measured as it arrives on the stream.
 *
 * A phone stream carries no response ids, so the agent's audio is measured in stretches: the
 * greeting (from the dial to the first utterance), then each answer (from the start of the
 * utterance that asked for it); a `clear` ends a stretch. An answer made of several responses
 * (a tool's filler, then the result) is one stretch, and the silence between them counts as
 * lateness — the default sentence is answered in one response.
 */
import { performance } from 'node:perf_hooks';
import { describeEnd, TwilioSimError, type CallEnd, type ServerMessage, type SimulatedCall, type TwilioNetwork } from '../../simulators/twilio/index.js';
import { PlayoutMeter } from './playout.js';
import { CallerFailure, CallerStopped, newResult, playScript, type CallerResult, type CallerScript, type Failure, type ResponseFigures } from './results.js';
import { greetingBegun, pause, Wakeup } from './wait.js';

export interface TwilioCallerOptions extends CallerScript {
  net: TwilioNetwork;
  /** The server's public URL (its PUBLIC_URL). */
  baseUrl: string;
  to: string;
  /** The utterance: its speech, then the rest of the recording (said right after). */
  speech: Int16Array;
  rest: Int16Array;
  rate: number;
}

/** µ-law 8 kHz: 160 bytes per 20 ms. */
const FRAME_BYTES = 160;
/** The agent counts as finished once nothing is left to play and nothing came for this long. */
const QUIET_MS = 800;

export class TwilioCaller {
  readonly result: CallerResult;
  private call: SimulatedCall | null = null;
  private end: CallEnd | null = null;
  private hungUp = false;
  private meter: PlayoutMeter | null = null;
  private readonly meters: PlayoutMeter[] = [];
  private readonly wake = new Wakeup();

  constructor(private readonly o: TwilioCallerOptions) {
    this.result = newResult(o.index);
  }

  async run(): Promise<CallerResult> {
    await playScript(this.result, () => this.script());
    await this.hangUp();
    for (const m of this.meters) m.finish();
    this.result.frames = this.meters.reduce((n, m) => n + m.frames, 0);
    const call = this.call;
    if (call) {
      this.result.framesLost = call.framesLost;
      if (call.errors.length > 0) this.fail({ reason: 'error_event', detail: `${call.errors.length} protocol problem(s) on the stream; the first: ${call.errors[0]}` });
      if (this.end && this.end.by !== 'caller' && !this.result.cut && !this.result.failures.some((f) => f.reason === 'closed_early')) {
        this.fail({ reason: 'closed_early', detail: `the call ended before the caller hung up: ${describeEnd(this.end)}` });
      }
    }
    this.result.ok &&= this.result.failures.length === 0;
    return this.result;
  }

  private fail(f: Failure): void {
    this.result.failures.push(f);
  }

  /** A new stretch of agent audio begins with the next media message. */
  private newStretch(): PlayoutMeter {
    this.meter?.finish();
    this.meter = new PlayoutMeter(FRAME_BYTES, this.result.lateness, this.result.gaps);
    this.meters.push(this.meter);
    return this.meter;
  }

  private onMessage(m: ServerMessage): void {
    if (m.event === 'media') {
      (this.meter ?? this.newStretch()).receive(Buffer.byteLength(m.media.payload, 'base64'), performance.now());
    } else if (m.event === 'clear') {
      this.meter?.finish();
      this.meter = null;
    }
    this.wake.notify();
  }

  private async script(): Promise<void> {
    const { index, net, baseUrl, to, timeoutMs, stop } = this.o;
    const greeting = this.newStretch();
    const dialAt = performance.now();
    const placing = net.call({
      baseUrl,
      from: `+1555${String(2_000_000 + index).slice(-7)}`,
      to,
      record: false,
      onMessage: (m) => this.onMessage(m),
    });
    placing.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CallerFailure({ reason: 'setup_failed', detail: `the call was not connected within ${timeoutMs / 1000} s (webhook and media stream)` })), timeoutMs);
    });
    let call: SimulatedCall;
    try {
      call = await Promise.race([placing, timedOut]);
    } catch (err) {
      if (err instanceof TwilioSimError) {
        const refusedCode = err.code === 'WEBHOOK_REFUSED' || (err.code === 'STREAM_HANDSHAKE_FAILED' && err.status !== undefined);
        throw new CallerFailure({ reason: refusedCode ? 'refused' : err.code === 'CALL_ENDED' ? 'closed_early' : 'setup_failed', detail: err.message });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.call = call;
    this.result.callSid = call.callSid;
    this.result.sessionId = call.customParameters?.session_id ?? null;
    this.result.setupMs = round(performance.now() - dialAt);
    void call.ended.then((end) => {
      this.end = end;
      this.wake.notify();
    });

    // The greeting, if the agent has one.
    await greetingBegun(this.wake, () => greeting.started, stop, () => this.endedFailure());
    if (greeting.started) {
      this.result.greetingMs = round(greeting.firstAt - dialAt);
      await this.silent('the greeting');
      this.result.greeting = figures(greeting);
    }

    for (let turn = 0; turn < this.o.turns; turn++) {
      await pause(this.o.pauseMs, stop);
      const answer = this.newStretch();
      const said = call.play(this.o.speech, this.o.rate);
      if (this.o.rest.length > 0) void call.play(this.o.rest, this.o.rate).catch(() => undefined);
      await this.guard(said);
      const endAt = performance.now();
      const early = answer.started;
      await this.until(() => answer.started, timeoutMs, () => ({ reason: 'no_answer', detail: `turn ${turn + 1}: no agent audio within ${timeoutMs / 1000} s of the end of speech` }));
      await this.silent(`turn ${turn + 1}'s answer`);
      const r = figures(answer);
      this.result.turns.push({ voiceToVoiceMs: early ? null : round(answer.firstAt - endAt), answeredEarly: early, answerMs: r.audioMs, responses: [r] });
    }
  }

  /** Waits for the agent to go quiet: nothing left to play, nothing new for QUIET_MS. */
  private async silent(what: string): Promise<void> {
    try {
      await this.guard(this.call!.waitUntilSilent({ quietMs: QUIET_MS, timeoutMs: this.o.timeoutMs }));
    } catch (err) {
      if (err instanceof TwilioSimError && err.code === 'TIMEOUT') throw new CallerFailure({ reason: 'no_answer', detail: `${what} did not end within ${this.o.timeoutMs / 1000} s` });
      if (err instanceof TwilioSimError) throw this.endedFailure() ?? new CallerFailure({ reason: 'closed_early', detail: err.message });
      throw err;
    }
  }

  /** `p`, unless the run is stopped first. */
  private guard<T>(p: Promise<T>): Promise<T> {
    const stop = this.o.stop;
    if (stop.aborted) return Promise.reject(new CallerStopped('stopped'));
    return new Promise<T>((resolve, reject) => {
      const onStop = (): void => reject(new CallerStopped('stopped'));
      stop.addEventListener('abort', onStop, { once: true });
      p.then(
        (v) => {
          stop.removeEventListener('abort', onStop);
          resolve(v);
        },
        (err: unknown) => {
          stop.removeEventListener('abort', onStop);
          if (err instanceof TwilioSimError && err.code === 'CALL_ENDED') reject(this.endedFailure() ?? new CallerFailure({ reason: 'closed_early', detail: err.message }));
          else reject(err as Error);
        },
      );
    });
  }

  private until(cond: () => boolean, timeoutMs: number, onTimeout: () => Failure): Promise<void> {
    return this.wake.until(cond, timeoutMs, () => new CallerFailure(onTimeout()), this.o.stop, () => this.endedFailure());
  }

  private endedFailure(): CallerFailure | null {
    if (this.hungUp || !(this.end || this.call?.finished)) return null;
    const how = this.end ? describeEnd(this.end) : 'the stream closed';
    return new CallerFailure({ reason: 'closed_early', detail: `the call ended before the caller hung up: ${how}` });
  }

  private async hangUp(): Promise<void> {
    this.hungUp = true;
    const call = this.call;
    if (!call) return;
    await call.hangUp().catch(() => undefined);
    this.end = await call.ended;
  }
}

const round = (x: number): number => Math.round(x * 10) / 10;

function figures(m: PlayoutMeter): ResponseFigures {
  m.finish();
  return { id: null, frames: m.frames, audioMs: round(m.audioMs), maxLatenessMs: round(m.maxLatenessMs) };
}
