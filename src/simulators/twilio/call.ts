/**
 * One simulated inbound call, Twilio's side of it: the signed voice webhook, the TwiML it answers
 * with, the media stream in real time (the caller's audio out, the application's audio into the
 * playback buffer), what the application asks for over REST, and the status callbacks at the end.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { pcm16ToUlaw, readWav, resample, ulawToPcm16 } from '../../audio/index.js';
import { CallerAudio, handled } from './caller-audio.js';
import { TwilioSimError } from './errors.js';
import { deliver } from './http.js';
import type { ServerMessage } from './messages.js';
import { BYTES_PER_MS, FRAME_MS, PlaybackBuffer, type MarkRecord } from './playback.js';
import { newSid, rfc2822 } from './sids.js';
import { signedWebhook, upgradeSignature, type FormParams } from './signing.js';
import { StreamLeg, type StreamEnd } from './stream.js';
import type { Tickable } from './ticker.js';
import { parseTwiml, type HttpMethod, type Twiml, type TwimlStream } from './twiml.js';
import type { CallEnd, CallEvent, CallEventType, CallHost, CallOptions, CallSnapshot, EndedBy, ExtraStream } from './call-types.js';
import { describeEnd, describeTwiml } from './describe.js';

interface Waiter {
  check(): boolean;
  fail(err: TwilioSimError): void;
}

// After a stall, at most this many late caller frames go out at once (jitter Twilio's edge also
// produces); older ones count as lost, as packets would be.
const MAX_CATCH_UP_FRAMES = 5;
const MAX_ERRORS = 1000;

export class SimulatedCall implements Tickable {
  readonly callSid: string;
  readonly from: string;
  readonly to: string;
  /** The webhook's TwiML, parsed (set once the webhook answered). */
  twiml: Twiml | undefined;
  /** Of the current (or last) stream. */
  streamSid: string | undefined;
  streamUrl: string | undefined;
  customParameters: Record<string, string> | undefined;
  /** Valid messages received from the application, by event. */
  readonly received = { media: 0, mark: 0, clear: 0 };
  /** Bytes of application audio received (8 bytes = 1 ms). */
  agentBytesReceived = 0;
  /** Protocol errors and failed requests, one line each. */
  readonly errors: string[] = [];
  readonly timeline: CallEvent[] = [];
  /** `<Say>` texts Twilio would have spoken (not synthesized). */
  readonly said: string[] = [];
  /** Caller frames that were due but lost because the process stalled too long to catch up. */
  framesLost = 0;
  /** Caller frames sent together with the previous one, after a late tick (see TwilioNetwork.tickStats). */
  framesBunched = 0;
  readonly ended: Promise<CallEnd>;

  private readonly placedAt = performance.now();
  private readonly createdAt = new Date();
  private answeredAt: Date | null = null;
  private endedAt: Date | null = null;
  private status: CallSnapshot['status'] = 'ringing';
  private readonly playback: PlaybackBuffer;
  private readonly audio = new CallerAudio();
  private clockStart: number | null = null;
  private slot = 0;
  private framesCommitted = 0;
  private leg: StreamLeg | null = null;
  private legDone: Promise<StreamEnd> | null = null;
  private legStart = 0;
  private legFrames = 0;
  private lostUntilFrame = 0;
  private lastAgentMediaAtMs = -Infinity;
  private readonly waiters = new Set<Waiter>();
  private readonly pending = new Set<Promise<unknown>>();
  /** Bumped whenever the TwiML being run is abandoned (hang-up, REST): older runs stop. */
  private generation = 0;
  private cause: EndedBy = 'twiml';
  private lastDoc: Twiml | undefined;
  private transferredTo: string | undefined;
  private closeCode: number | undefined;
  private closeReason: string | undefined;
  private finishing = false;
  private resolveEnded!: (end: CallEnd) => void;
  private firstStream: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private readonly baseUrl: string;

  constructor(
    private readonly host: CallHost,
    private readonly opts: CallOptions,
  ) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.callSid = opts.callSid ?? newSid('CA');
    this.from = opts.from ?? '+15550100001';
    this.to = opts.to ?? '+15550100000';
    this.playback = new PlaybackBuffer({ record: opts.record !== false, onAck: (m) => this.onAck(m) });
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  // --- what tests read ---

  /** Acknowledged marks, in order. */
  get marks(): readonly MarkRecord[] {
    return this.playback.marks;
  }

  get clears(): number {
    return this.playback.clears;
  }

  /** ms since the first stream started (the clock of `heard()` and of mark `ackedAtMs`). */
  clockMs(): number {
    return this.clockStart === null ? 0 : performance.now() - this.clockStart;
  }

  /** What the caller heard, 8 kHz µ-law, byte i at `clockMs` i / 8. */
  heard(): Uint8Array {
    return this.playback.heard();
  }

  heardPcm(rate = 8000): Int16Array {
    const pcm = ulawToPcm16(this.playback.heard());
    return rate === 8000 ? pcm : resample(pcm, 8000, rate);
  }

  /** The application's audio still waiting to be played (ms). */
  get queuedAgentMs(): number {
    return this.playback.queuedBytes / BYTES_PER_MS;
  }

  /** The stream is open (the caller can be heard). */
  get connected(): boolean {
    return this.leg?.isOpen === true;
  }

  snapshot(): CallSnapshot {
    return {
      sid: this.callSid,
      accountSid: this.host.accountSid,
      from: this.from,
      to: this.to,
      status: this.status,
      createdAt: this.createdAt,
      startTime: this.answeredAt,
      endTime: this.endedAt,
      durationS: this.answeredAt && this.endedAt ? Math.round((this.endedAt.getTime() - this.answeredAt.getTime()) / 1000) : null,
    };
  }

  // --- what the caller does ---

  /** Says 16-bit PCM at any rate; resolves when its last frame has been sent (in real time). */
  play(samples: Int16Array, rate: number): Promise<void> {
    if (!Number.isInteger(rate) || rate <= 0) return handled(Promise.reject(new TwilioSimError('INVALID_ARGUMENT', `play(): the sample rate must be a positive integer in Hz, got ${rate}`)));
    return this.audio.enqueue(pcm16ToUlaw(rate === 8000 ? samples : resample(samples, rate, 8000)));
  }

  /** Says a WAV file (PCM16, µ-law or A-law, any rate; channels are mixed down). */
  async playWav(path: string): Promise<void> {
    const wav = readWav(await readFile(path), { mono: true });
    return this.play(wav.samples, wav.sampleRate);
  }

  /** Presses keys (0-9, *, #): one `dtmf` message each, `gapMs` apart. */
  async pressDigits(digits: string, opts: { gapMs?: number } = {}): Promise<void> {
    if (!/^[0-9*#]*$/.test(digits)) throw new TwilioSimError('INVALID_ARGUMENT', `pressDigits(): "${digits}" has keys a phone does not have; use 0-9, * and #`);
    const gapMs = opts.gapMs ?? 150;
    for (let i = 0; i < digits.length; i++) {
      if (i > 0) await sleep(gapMs);
      const leg = this.leg;
      if (leg === null || !leg.isOpen) throw this.notConnected('pressDigits()');
      leg.sendDtmf(digits[i]!);
    }
  }

  /** Sends no media for `ms` while the clock runs on (lost packets): the next frame's timestamp jumps. */
  gap(ms: number): void {
    if (this.leg === null) throw this.notConnected('gap()');
    this.lostUntilFrame = Math.max(this.lostUntilFrame, this.legFrames) + Math.ceil(ms / FRAME_MS);
  }

  /** Hangs up: `stop` on the stream, the socket closed, then the status callbacks. */
  async hangUp(): Promise<CallEnd> {
    if (!this.finishing) {
      this.abandonTwiml('caller');
      await this.stopStream();
      await this.finish();
    }
    return this.ended;
  }

  /** Resolves once `n` marks in total have been acknowledged (played or discarded). */
  waitForMarks(n: number, timeoutMs = 10_000): Promise<readonly MarkRecord[]> {
    return this.wait(
      () => this.playback.marks.length >= n,
      () => this.playback.marks,
      timeoutMs,
      () => `${this.playback.marks.length} of ${n} marks acknowledged`,
    );
  }

  /**
   * Resolves once the application's audio has all been played and nothing new came for `quietMs`
   * (counted from this call at the earliest). `afterAudio`: only after some new audio arrived first
   * (wait for the agent to answer, then to finish).
   */
  waitUntilSilent(opts: { quietMs?: number; timeoutMs?: number; afterAudio?: boolean } = {}): Promise<void> {
    const quietMs = opts.quietMs ?? 1000;
    const since = this.clockMs();
    const bytesBefore = this.agentBytesReceived;
    return this.wait(
      () => {
        const now = this.clockMs();
        if (opts.afterAudio === true && this.agentBytesReceived === bytesBefore) return false;
        const lastSound = Math.max(since, this.lastAgentMediaAtMs, this.playback.audioEndsAtMs);
        return this.playback.idle(now) && now - lastSound >= quietMs;
      },
      () => undefined,
      opts.timeoutMs ?? 10_000,
      () => `the agent ${this.playback.idle(this.clockMs()) ? 'was quiet only briefly' : `still had ${this.queuedAgentMs} ms of audio queued`}`,
    );
  }

  /**
   * Opens another stream socket to the current `<Stream url>` for this call — connected and start
   * with these `customParameters` (default: the ones this call sent), no media. For testing that
   * the application refuses a replayed or forged stream token.
   */
  async openExtraStream(customParameters?: Record<string, string>, opts: { signUpgrade?: boolean; authToken?: string } = {}): Promise<ExtraStream> {
    const url = this.streamUrl;
    if (url === undefined) throw this.notConnected('openExtraStream()');
    const received: ServerMessage[] = [];
    const errors: string[] = [];
    const streamSid = newSid('MZ');
    const leg = await StreamLeg.open({
      url,
      streamSid,
      accountSid: this.host.accountSid,
      callSid: this.callSid,
      signature: opts.signUpgrade === false ? null : upgradeSignature(opts.authToken ?? this.token(), url),
      onMessage: (m) => received.push(m),
      onError: (e) => errors.push(e),
    });
    leg.start(customParameters ?? this.customParameters ?? {});
    return { streamSid, closed: leg.closed, received, errors, stop: () => leg.stop() };
  }

  // --- driven by the network ---

  /** The voice webhook, then the TwiML: resolves once the first stream has started (or the TwiML ended the call without one). */
  async dial(): Promise<void> {
    const url = this.opts.voiceUrl ?? `${this.baseUrl}/twilio/voice`;
    let doc: Twiml;
    try {
      const res = await deliver(signedWebhook(this.token(), this.opts.voiceMethod ?? 'POST', url, this.params('ringing')));
      if (res.status < 200 || res.status > 299) {
        throw new TwilioSimError('WEBHOOK_REFUSED', `the voice webhook ${url} answered HTTP ${res.status}: ${res.body.slice(0, 200) || '(no body)'}${res.status === 403 ? ' (a signature mismatch? check that the auth token and Parley\'s PUBLIC_URL match)' : ''}`, res.status, res.body);
      }
      doc = parseTwiml(res.body);
      // Hung up (net.close()) while the webhook was pending: nothing more to run.
      if (this.finishing) throw new TwilioSimError('CALL_ENDED', `call ${this.callSid} was hung up before the voice webhook answered`);
    } catch (err) {
      this.release();
      throw err;
    }
    this.twiml = doc;
    this.answeredAt = new Date();
    this.status = 'in-progress';
    this.event('webhook', `voice webhook answered: ${describeTwiml(doc)}`);
    const started = new Promise<void>((resolve, reject) => (this.firstStream = { resolve, reject }));
    void this.run(doc, url, this.generation);
    await Promise.race([started, this.ended]);
  }

  onTick(now: number): void {
    if (this.clockStart === null) return;
    // Playback commits every frame that has started — all of them even after a stall, so heard()
    // stays aligned with the wall clock — and acknowledges the marks reached by now.
    const frames = Math.floor((now - this.clockStart) / FRAME_MS) + 1;
    while (this.framesCommitted < frames) {
      this.playback.tick();
      this.framesCommitted++;
    }
    this.playback.flush(now - this.clockStart);
    const leg = this.leg;
    if (leg !== null && leg.isOpen) {
      // Caller frame k is captured during [20k, 20k + 20) of the stream and sent once complete.
      const due = Math.floor((now - this.legStart) / FRAME_MS);
      while (due - this.legFrames > MAX_CATCH_UP_FRAMES) {
        this.audio.skip();
        this.legFrames++;
        this.framesLost++;
      }
      if (due - this.legFrames > 1) this.framesBunched += due - this.legFrames - 1;
      while (this.legFrames < due) {
        const k = this.legFrames++;
        if (k < this.lostUntilFrame) this.audio.skip();
        else leg.sendMedia(k * FRAME_MS, this.audio.nextPayload());
      }
    }
    this.checkWaiters();
  }

  /** REST `Status=completed`: Twilio stops the stream and ends the call. */
  restComplete(): CallSnapshot {
    if (!this.finishing && this.status !== 'completed') {
      this.event('rest', 'REST update: Status=completed');
      this.abandonTwiml('rest-completed');
      this.status = 'completed';
      this.endedAt = new Date();
      // Not tracked in `pending`: finish() waits for those.
      void this.stopStream().then(() => this.finish());
    }
    return this.snapshot();
  }

  /** REST `Twiml=…`: the stream stops and the new TwiML runs. Throws TWIML_INVALID on bad XML. */
  restTwiml(xml: string): CallSnapshot {
    const doc = parseTwiml(xml);
    this.event('rest', `REST update: Twiml=${describeTwiml(doc)}`);
    const gen = this.abandonTwiml('rest-twiml');
    void this.stopStream().then(() => this.run(doc, null, gen));
    return this.snapshot();
  }

  get finished(): boolean {
    return this.finishing;
  }

  // --- the TwiML interpreter ---

  /** Runs a document verb by verb; `docUrl` resolves relative URLs in it. */
  private async run(doc: Twiml, docUrl: string | null, gen: number): Promise<void> {
    try {
      this.lastDoc = doc;
      for (const verb of doc.verbs) {
        if (gen !== this.generation) return;
        switch (verb.verb) {
          case 'Say':
            this.said.push(verb.text);
            this.event('twiml', `<Say> ${JSON.stringify(verb.text)}`);
            break;
          case 'Pause':
            await sleep(verb.lengthS * 1000);
            break;
          case 'Hangup':
          case 'Reject':
            this.event('twiml', `<${verb.verb}>`);
            return await this.finishRun(gen);
          case 'Dial':
            this.transferredTo = verb.number;
            this.event('twiml', `<Dial> ${verb.number}`);
            return await this.finishRun(gen);
          case 'Redirect': {
            const next = await this.fetchTwiml('<Redirect>', this.resolveUrl(verb.url, docUrl), verb.method);
            if (gen !== this.generation) return;
            if (next === null) return await this.finishRun(gen);
            return await this.run(next.doc, next.url, gen);
          }
          case 'Connect': {
            if (verb.stream === undefined) {
              this.event('twiml', '<Connect> without <Stream> is not simulated: skipped');
              break;
            }
            await this.runStream(verb.stream, docUrl, gen);
            if (gen !== this.generation) return;
            this.cause = 'server-closed';
            if (verb.action === undefined) break;
            const next = await this.fetchTwiml('<Connect action>', this.resolveUrl(verb.action, docUrl), verb.method);
            if (gen !== this.generation) return;
            if (next === null) return await this.finishRun(gen);
            return await this.run(next.doc, next.url, gen);
          }
          case 'Unknown':
            this.event('twiml', `<${verb.name}> is not simulated: skipped`);
            break;
        }
      }
      // Nothing left to do: Twilio hangs up.
      return await this.finishRun(gen);
    } catch (err) {
      if (this.firstStream !== null) {
        // The first stream never started: net.call() rejects with the reason, and the call is dropped.
        this.firstStream.reject(err as Error);
        this.firstStream = null;
        this.release();
        return;
      }
      this.error(`${(err as Error).message}`);
      if (gen === this.generation) await this.finishRun(gen);
    }
  }

  private async finishRun(gen: number): Promise<void> {
    if (gen === this.generation) await this.finish();
  }

  /** Opens the stream and waits for its end. A refused upgrade throws. */
  private async runStream(stream: TwimlStream, docUrl: string | null, gen: number): Promise<void> {
    const url = this.streamUrlOf(stream.url, docUrl);
    const streamSid = newSid('MZ');
    const params = this.opts.tamper ? this.opts.tamper({ ...stream.parameters }) : { ...stream.parameters };
    const signature = this.opts.signUpgrade === false ? null : upgradeSignature(this.opts.upgradeAuthToken ?? this.token(), url);
    const leg = await StreamLeg.open({
      url,
      streamSid,
      accountSid: this.host.accountSid,
      callSid: this.callSid,
      signature,
      onMessage: (m) => this.onServerMessage(m),
      onError: (e) => this.error(e),
    });
    if (gen !== this.generation) {
      await leg.stop();
      return;
    }
    this.leg = leg;
    const statusUrl = stream.statusCallback === undefined ? undefined : this.resolveUrl(stream.statusCallback, docUrl);
    const status = (event: 'stream-started' | 'stream-stopped'): void => {
      if (statusUrl !== undefined) this.track(this.streamStatus(statusUrl, stream, streamSid, event));
    };
    this.legDone = leg.closed.then((end) => {
      this.onLegClosed(leg, end);
      status('stream-stopped');
      return end;
    });
    this.streamSid = streamSid;
    this.streamUrl = url;
    this.customParameters = params;
    if (this.clockStart === null) {
      this.slot = this.host.ticker.add(this);
      this.clockStart = this.host.ticker.anchor(performance.now(), this.slot);
    }
    this.legStart = this.host.ticker.anchor(performance.now(), this.slot);
    this.legFrames = 0;
    this.lostUntilFrame = 0;
    leg.start(params);
    this.event('stream-connected', `stream ${streamSid} connected to ${url}`);
    status('stream-started');
    this.firstStream?.resolve();
    this.firstStream = null;
    await this.legDone;
  }

  private onLegClosed(leg: StreamLeg, end: StreamEnd): void {
    if (this.leg === leg) this.leg = null;
    const dropped = this.playback.abandon();
    if (end.closedBy === 'server') {
      this.closeCode = end.code;
      this.closeReason = end.reason;
      this.event('stream-closed', `Parley closed the stream: code ${end.code}${end.reason ? ` "${end.reason}"` : ''}${dropped ? `, ${dropped} marks never acknowledged` : ''}`);
    }
  }

  private async stopStream(): Promise<void> {
    const leg = this.leg;
    if (leg === null) return;
    await leg.stop();
    await this.legDone;
  }

  /** Stops the TwiML being run: the next run (if any) gets the returned generation. */
  private abandonTwiml(cause: EndedBy): number {
    this.cause = cause;
    return ++this.generation;
  }

  /** Requests TwiML from an action/redirect URL; null when the request failed (the call then ends, as on Twilio). */
  private async fetchTwiml(what: string, url: string, method: HttpMethod): Promise<{ doc: Twiml; url: string } | null> {
    try {
      const res = await deliver(signedWebhook(this.token(), method, url, this.params('in-progress')));
      if (res.status < 200 || res.status > 299) {
        this.error(`${what} ${url} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        return null;
      }
      const doc = parseTwiml(res.body);
      this.event('twiml', `${what} answered: ${describeTwiml(doc)}`);
      return { doc, url };
    } catch (err) {
      this.error(`${what}: ${(err as Error).message}`);
      return null;
    }
  }

  // --- the end ---

  private async finish(): Promise<void> {
    if (this.finishing) return void (await this.ended);
    this.finishing = true;
    this.generation++;
    this.firstStream = null;
    this.status = 'completed';
    this.endedAt ??= new Date();
    this.host.ticker.delete(this);
    const ended = new TwilioSimError('CALL_ENDED', `the call ended (${this.cause})`);
    this.audio.close(ended);
    for (const w of this.waiters) w.fail(ended);
    this.waiters.clear();
    const durationMs = this.answeredAt ? this.endedAt.getTime() - this.answeredAt.getTime() : 0;
    const end: CallEnd = {
      by: this.cause,
      ...(this.closeCode !== undefined ? { closeCode: this.closeCode, closeReason: this.closeReason ?? '' } : {}),
      ...(this.lastDoc && this.cause !== 'caller' && this.cause !== 'rest-completed' ? { twiml: this.lastDoc } : {}),
      ...(this.transferredTo !== undefined ? { transferredTo: this.transferredTo } : {}),
      durationMs,
    };
    this.event('ended', describeEnd(end));
    // In-flight stream callbacks first, then the call's own status callback.
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.callStatus(durationMs);
    this.release();
    this.resolveEnded(end);
  }

  private async callStatus(durationMs: number): Promise<void> {
    const url = this.opts.statusCallbackUrl === undefined ? `${this.baseUrl}/twilio/status` : this.opts.statusCallbackUrl;
    if (url === null) return;
    const params: FormParams = {
      ...this.params('completed'),
      CallDuration: String(Math.round(durationMs / 1000)),
      Timestamp: rfc2822(this.endedAt ?? new Date()),
      CallbackSource: 'call-progress-events',
      SequenceNumber: '0',
    };
    await this.callback('call status', url, 'POST', params);
  }

  private async streamStatus(url: string, stream: TwimlStream, streamSid: string, event: 'stream-started' | 'stream-stopped'): Promise<void> {
    const params: FormParams = {
      AccountSid: this.host.accountSid,
      CallSid: this.callSid,
      StreamSid: streamSid,
      StreamName: stream.name ?? streamSid,
      StreamEvent: event,
      Timestamp: new Date().toISOString(),
    };
    await this.callback(`stream status (${event})`, url, stream.statusCallbackMethod, params);
  }

  private async callback(what: string, url: string, method: HttpMethod, params: FormParams): Promise<void> {
    try {
      const res = await deliver(signedWebhook(this.token(), method, url, params));
      if (res.status < 200 || res.status > 299) this.error(`${what} callback ${url} answered HTTP ${res.status}`);
      else this.event('callback', `${what} callback: HTTP ${res.status}`);
    } catch (err) {
      this.error(`${what} callback: ${(err as Error).message}`);
    }
  }

  private release(): void {
    this.host.ticker.delete(this);
    this.host.release(this);
  }

  // --- the stream's messages ---

  private onServerMessage(msg: ServerMessage): void {
    this.received[msg.event]++;
    this.opts.onMessage?.(msg);
    switch (msg.event) {
      case 'media': {
        const bytes = Buffer.from(msg.media.payload, 'base64');
        this.playback.enqueueAudio(bytes, this.clockMs());
        this.agentBytesReceived += bytes.length;
        this.lastAgentMediaAtMs = this.clockMs();
        break;
      }
      case 'mark':
        this.playback.enqueueMark(msg.mark.name, this.clockMs());
        break;
      case 'clear': {
        const queuedMs = this.queuedAgentMs;
        this.playback.clear(this.clockMs());
        this.event('clear', `clear: ${queuedMs} ms of queued audio dropped`);
        break;
      }
    }
  }

  private onAck(mark: MarkRecord): void {
    this.leg?.sendMarkEcho(mark.name);
    // Checked on the next tick at the latest; at once here so waitForMarks() is not late by a frame.
    this.checkWaiters();
  }

  // --- helpers ---

  private wait<T>(done: () => boolean, value: () => T, timeoutMs: number, progress: () => string): Promise<T> {
    if (done()) return Promise.resolve(value());
    if (this.finishing) return handled(Promise.reject(new TwilioSimError('CALL_ENDED', `the call has ended (${this.cause}): ${progress()}`)));
    return handled(
      new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          check: () => {
            if (!done()) return false;
            clearTimeout(timer);
            resolve(value());
            return true;
          },
          fail: (err) => {
            clearTimeout(timer);
            reject(new TwilioSimError(err.code, `${err.message}: ${progress()}`));
          },
        };
        const timer = setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new TwilioSimError('TIMEOUT', `gave up after ${timeoutMs} ms: ${progress()}`));
        }, timeoutMs);
        this.waiters.add(waiter);
      }),
    );
  }

  private checkWaiters(): void {
    for (const w of this.waiters) if (w.check()) this.waiters.delete(w);
  }

  private token(): string {
    return this.opts.authTokenOverride ?? this.host.authToken;
  }

  /** The standard voice webhook parameters (§2.1), all strings. */
  private params(callStatus: string): FormParams {
    return {
      AccountSid: this.host.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: this.callSid,
      CallStatus: callStatus,
      Called: this.to,
      Caller: this.from,
      Direction: 'inbound',
      From: this.from,
      To: this.to,
      ...this.opts.extraParams,
    };
  }

  private resolveUrl(url: string, docUrl: string | null): string {
    return new URL(url, docUrl ?? `${this.baseUrl}/`).href;
  }

  /** Twilio drops a stream URL's query string (per-call data goes in `<Parameter>`). */
  private streamUrlOf(raw: string, docUrl: string | null): string {
    if (raw === '') throw new TwilioSimError('TWIML_INVALID', '<Stream> has no url attribute (Twilio error 31941)');
    const u = new URL(raw, docUrl ?? `${this.baseUrl}/`);
    if (u.protocol === 'http:') u.protocol = 'ws:';
    if (u.protocol === 'https:') u.protocol = 'wss:';
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TwilioSimError('TWIML_INVALID', `<Stream url="${raw}"> is not a WebSocket URL (wss://…)`);
    if (u.search !== '') {
      this.event('twiml', `<Stream url> query string ${u.search} dropped, as Twilio does: use <Parameter>`);
      u.search = '';
    }
    return u.href;
  }

  private notConnected(what: string): TwilioSimError {
    return this.finishing
      ? new TwilioSimError('CALL_ENDED', `${what}: the call has ended (${this.cause})`)
      : new TwilioSimError('NOT_CONNECTED', `${what}: no media stream is open on call ${this.callSid}`);
  }

  private event(type: CallEventType, detail: string): void {
    const e: CallEvent = { atMs: Math.round(performance.now() - this.placedAt), type, detail };
    this.timeline.push(e);
    this.opts.onEvent?.(e);
  }

  private error(reason: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(reason);
    if (this.errors.length <= 20) this.event('error', reason);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
