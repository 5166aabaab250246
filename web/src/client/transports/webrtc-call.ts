import { problemOf } from '../api.js';
import { parseServerEvent, type RealtimeEvent } from '../events.js';
import { meterStream } from '../audio/microphone.js';
import type { Call, CallListener, CallStats, CallTarget } from './call.js';

/** Agent audio above this RMS (−50 dBFS) counts as heard. */
const AUDIBLE_RMS = 10 ** (-50 / 20);

/** Longest wait for ICE candidates before the offer is sent with what was gathered. */
const GATHER_TIMEOUT_MS = 3000;

/**
 * The WebRTC mode: an SDP offer POSTed to a `…/realtime/calls` URL (OpenAI's, with its ephemeral
 * key, or Parley's own), the microphone and the agent's voice as Opus tracks, events on the
 * `oai-events` data channel. The server owns playback: it clears and truncates on barge-in.
 */
export class WebRtcCall implements Call {
  readonly mode = 'webrtc' as const;
  private closedByUs = false;
  private gone = false;
  private readonly truncations: CallStats['truncations'] = [];
  /** Audible agent audio rendered from the remote track, in ms (the WebSocket mode counts worklet samples instead). */
  private audibleMs = 0;
  private stopMeters: Array<() => void> = [];
  private readonly meterCtx = new AudioContext();

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
    private readonly mic: MediaStreamTrack,
    private readonly player: HTMLAudioElement,
    private readonly listener: CallListener,
    readonly callId: string,
    target: CallTarget,
  ) {
    channel.onmessage = (m) => this.onServer(m.data);
    this.stopMeters.push(meterStream(this.meterCtx, target.microphone, (rms) => listener.micRms(rms)));
    const remote = player.srcObject;
    if (remote instanceof MediaStream) this.meterRemote(remote);
    else pc.addEventListener('track', (t) => this.meterRemote(t.streams[0] ?? new MediaStream([t.track])));
    channel.onclose = () => this.lost('the event channel closed');
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.lost(`the connection ${pc.connectionState}`);
    };
  }

  /** `iceServers` from the page's settings (STUN/TURN for callers behind strict NATs). */
  static async open(target: CallTarget, listener: CallListener, player: HTMLAudioElement, iceServers: RTCIceServer[] = []): Promise<WebRtcCall> {
    const pc = new RTCPeerConnection({ iceServers });
    try {
      const mic = target.microphone.getAudioTracks()[0];
      if (!mic) throw new DOMException('The microphone gave no audio track.', 'NotFoundError');
      pc.addTrack(mic, target.microphone);
      pc.ontrack = (t) => {
        player.srcObject = t.streams[0] ?? new MediaStream([t.track]);
        void player.play().catch(() => {});
      };
      const channel = pc.createDataChannel('oai-events');
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const res = await fetch(target.url, { method: 'POST', body: pc.localDescription!.sdp, headers: { 'content-type': 'application/sdp', authorization: `Bearer ${target.secret}` } });
      if (!res.ok) throw await problemOf(res);
      const callId = (res.headers.get('location') ?? '').split('/').pop() ?? '';
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
      await opened(channel, pc);
      return new WebRtcCall(pc, channel, mic, player, listener, callId, target);
    } catch (err) {
      pc.close();
      throw err;
    }
  }

  send(e: RealtimeEvent): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(e));
  }

  setMicOpen(open: boolean): void {
    // The track keeps flowing (silence when disabled), so the connection stays warm.
    this.mic.enabled = open;
  }

  interruptPlayback(): void {
    this.send({ type: 'output_audio_buffer.clear' });
  }

  async stats(): Promise<CallStats> {
    return { playedMs: this.audibleMs, truncations: [...this.truncations] };
  }

  private meterRemote(stream: MediaStream): void {
    this.stopMeters.push(
      meterStream(this.meterCtx, stream, (rms) => {
        if (rms >= AUDIBLE_RMS) this.audibleMs += 100;
      }),
    );
  }

  close(): void {
    this.closedByUs = true;
    this.teardown();
  }

  private onServer(data: unknown): void {
    const e = parseServerEvent(data);
    if (!e) return;
    if (e.type === 'conversation.item.truncated') this.truncations.push({ itemId: String(e.item_id), audioEndMs: Number(e.audio_end_ms) });
    this.listener.event(e);
  }

  private lost(reason: string): void {
    if (this.gone) return;
    this.teardown();
    // WebRTC carries no close code: the page decides from the conversation whether it ended.
    if (!this.closedByUs) this.listener.closed({ ended: false, reason });
  }

  private teardown(): void {
    this.gone = true;
    for (const stop of this.stopMeters.splice(0)) stop();
    if (this.meterCtx.state !== 'closed') void this.meterCtx.close();
    this.channel.onmessage = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.player.srcObject = null;
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

function opened(channel: RTCDataChannel, pc: RTCPeerConnection): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TypeError('The media connection could not be set up (a firewall may block UDP).')), 15000);
    channel.addEventListener(
      'open',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState !== 'failed') return;
      clearTimeout(timer);
      reject(new TypeError('The media connection failed (a firewall may block UDP).'));
    });
  });
}
