import { randomInt } from 'node:crypto';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCDataChannel, type RTCRtpTransceiver } from 'werift';
import { OPUS_FRAME_SAMPLES, OpusDecoder, OpusEncoder } from '../../src/audio/index.js';
import type { Json } from './realtime-client.js';

/** A microphone's noise floor (−60 dBFS): a live track is never digitally silent. */
const FLOOR_RMS = 32768 * 10 ** (-60 / 20);

/** One RTP packet of agent audio as the peer received and decoded it. */
export interface ReceivedFrame {
  at: number;
  timestamp: number;
  marker: boolean;
  pcm: Int16Array;
}

export interface CallOptions {
  /** `Authorization: Bearer …`. */
  token?: string;
  /** Query string without `?` (`agent=…&caller_id=…`). */
  query?: string;
  /** Sent as multipart/form-data with this `session` part (else the raw SDP). */
  session?: Record<string, unknown>;
}

export interface CallAnswer {
  status: number;
  location: string | null;
  /** The answer SDP, or the error body. */
  body: string;
}

/**
 * A WebRTC caller for tests, built like a browser client of the Realtime API: an Opus sendrecv
 * audio track and an `oai-events` data channel, the offer POSTed to `/v1/realtime/calls`, the
 * answer applied. Its microphone sends 20 ms Opus frames at real-time pace — a noise floor, or
 * speech when told to `say` something — and it decodes and records the agent audio it receives
 * and the events on the channel.
 */
export class WebRtcPeer {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  readonly events: Json[] = [];
  /** Arrival time (performance.now()) of each event, index for index. */
  readonly times: number[] = [];
  readonly received: ReceivedFrame[] = [];
  /** Resolves when the server closes the events channel (the call is over). */
  readonly channelClosed: Promise<void>;
  callId: string | null = null;
  private readonly audio: RTCRtpTransceiver;
  private readonly encoder = new OpusEncoder();
  private readonly decoder = new OpusDecoder();
  private readonly waiters: Array<{ match: (e: Json) => boolean; resolve: (e: Json) => void }> = [];
  private cursor = 0;
  private mic: NodeJS.Timeout | null = null;
  private speech: Array<{ pcm: Int16Array; done: () => void }> = [];
  private seq = randomInt(0, 2 ** 16);
  private ts = randomInt(0, 2 ** 31);
  private sentFrames = 0;
  private noiseState = 0x2545f491;
  private closed = false;

  constructor() {
    this.pc = new RTCPeerConnection({ codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })], video: [] }, bundlePolicy: 'max-bundle' });
    this.audio = this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.channel = this.pc.createDataChannel('oai-events');
    this.channelClosed = new Promise((resolve) => this.channel.stateChanged.subscribe((s) => s === 'closed' && resolve()));
    this.channel.onMessage.subscribe((data) => {
      const e = JSON.parse(String(data)) as Json;
      this.events.push(e);
      this.times.push(performance.now());
      for (const w of [...this.waiters]) if (w.match(e)) w.resolve(e);
    });
    this.audio.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        if (this.closed) return;
        this.received.push({ at: performance.now(), timestamp: rtp.header.timestamp, marker: rtp.header.marker, pcm: this.decoder.decode(rtp.payload) });
      }),
    );
  }

  /** The offer SDP, candidates included (nothing trickles over HTTP). */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') await new Promise<void>((resolve) => this.pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
    return this.pc.localDescription!.sdp;
  }

  /** POSTs the offer; on 201 applies the answer. Does not wait for the connection. */
  async call(baseUrl: string, opts: CallOptions = {}): Promise<CallAnswer> {
    const sdp = await this.offer();
    const url = `${baseUrl}/v1/realtime/calls${opts.query ? `?${opts.query}` : ''}`;
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    let body: string | FormData = sdp;
    if (opts.session) {
      const form = new FormData();
      form.set('sdp', sdp);
      form.set('session', JSON.stringify(opts.session));
      body = form;
    } else headers['content-type'] = 'application/sdp';
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    const location = res.headers.get('location');
    if (res.status === 201) {
      this.callId = location?.split('/').pop() ?? null;
      await this.pc.setRemoteDescription({ type: 'answer', sdp: text });
    }
    return { status: res.status, location, body: text };
  }

  /** Calls and waits until the events channel is open, starting the microphone (noise floor). */
  async connect(baseUrl: string, opts: CallOptions = {}): Promise<this> {
    const answer = await this.call(baseUrl, opts);
    if (answer.status !== 201) throw new Error(`call refused: ${answer.status} ${answer.body}`);
    if (this.channel.readyState !== 'open') await new Promise<void>((resolve) => this.channel.stateChanged.subscribe((s) => s === 'open' && resolve()));
    this.startMic();
    return this;
  }

  send(event: Record<string, unknown>): void {
    this.channel.send(JSON.stringify(event));
  }

  sendRaw(text: string): void {
    this.channel.send(text);
  }

  /** The next event (after those already consumed) of this type matching `pred`. */
  next(type: string, pred: (e: Json) => boolean = () => true, timeoutMs = 5000): Promise<Json> {
    const match = (e: Json): boolean => e.type === type && pred(e);
    for (let i = this.cursor; i < this.events.length; i++) {
      if (match(this.events[i]!)) {
        this.cursor = i + 1;
        return Promise.resolve(this.events[i]!);
      }
    }
    return new Promise<Json>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: Json) => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          this.cursor = this.events.indexOf(e) + 1;
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${type}; got: ${this.events.slice(this.cursor).map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** When an event arrived. */
  timeOf(e: Json): number {
    return this.times[this.events.indexOf(e)] ?? NaN;
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Speaks PCM16 24 kHz into the microphone (after what is already queued); resolves when the last frame is sent. */
  say(pcm: Int16Array): Promise<void> {
    return new Promise((resolve) => this.speech.push({ pcm, done: resolve }));
  }

  /** Starts the microphone: 20 ms frames at real-time pace, speech when there is some, a noise floor otherwise. */
  startMic(): void {
    if (this.mic) return;
    const started = performance.now();
    const tick = (): void => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      while (this.sentFrames < due) this.sendFrame(this.nextMicFrame());
      this.mic = setTimeout(tick, Math.max(1, started + due * 20 - performance.now()));
    };
    tick();
  }

  stopMic(): void {
    if (this.mic) clearTimeout(this.mic);
    this.mic = null;
  }

  /** All agent audio received, decoded, in arrival order. */
  receivedAudio(from = 0): Int16Array {
    const frames = this.received.slice(from);
    const out = new Int16Array(frames.reduce((n, f) => n + f.pcm.length, 0));
    let at = 0;
    for (const f of frames) {
      out.set(f.pcm, at);
      at += f.pcm.length;
    }
    return out;
  }

  /** Received audio split where the server marked a new talkspurt (RTP marker bit): one per stretch of agent speech. */
  talkspurts(): ReceivedFrame[][] {
    const spurts: ReceivedFrame[][] = [];
    for (const f of this.received) {
      if (f.marker || spurts.length === 0) spurts.push([]);
      spurts[spurts.length - 1]!.push(f);
    }
    return spurts;
  }

  /** Hangs up from this side: the channel and the peer connection close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopMic();
    for (const s of this.speech.splice(0)) s.done();
    if (this.channel.readyState === 'open') {
      // As a browser does: the channel's close reaches the server before the connection goes.
      this.channel.close();
      await Promise.race([this.channelClosed, new Promise((r) => setTimeout(r, 1000))]);
    }
    await this.pc.close();
    this.closed = true;
    this.encoder.close();
    this.decoder.close();
  }

  private nextMicFrame(): Int16Array {
    const head = this.speech[0];
    if (!head) return this.noise();
    const frame = new Int16Array(OPUS_FRAME_SAMPLES);
    frame.set(head.pcm.subarray(0, OPUS_FRAME_SAMPLES));
    head.pcm = head.pcm.subarray(OPUS_FRAME_SAMPLES);
    if (head.pcm.length === 0) {
      this.speech.shift();
      head.done();
    }
    return frame;
  }

  /** The noise floor: deterministic white noise at −60 dBFS. */
  private noise(): Int16Array {
    const out = new Int16Array(OPUS_FRAME_SAMPLES);
    for (let i = 0; i < out.length; i++) {
      this.noiseState ^= this.noiseState << 13;
      this.noiseState ^= this.noiseState >>> 17;
      this.noiseState ^= this.noiseState << 5;
      out[i] = Math.round(((this.noiseState >>> 0) / 0x100000000 - 0.5) * 2 * Math.sqrt(3) * FLOOR_RMS);
    }
    return out;
  }

  private sendFrame(pcm: Int16Array): void {
    if (this.closed) return;
    this.sentFrames++;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 960) >>> 0;
    const header = new RtpHeader({ sequenceNumber: this.seq, timestamp: this.ts, payloadType: 111, marker: this.sentFrames === 1 });
    this.audio.sender.sendRtp(new RtpPacket(header, this.encoder.encode(pcm))).catch(() => undefined);
  }
}

/** Sums the duration (ms) of a list of received 20 ms frames. */
export const durationMs = (frames: readonly ReceivedFrame[]): number => frames.reduce((n, f) => n + (f.pcm.length * 1000) / 24000, 0);
