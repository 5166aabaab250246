import { base64ToPcm, pcmToBase64, SAMPLE_RATE } from '../audio/pcm.js';
import captureUrl from '../audio/capture-worklet.ts?worker&url';
import playbackUrl from '../audio/playback-worklet.ts?worker&url';
import { parseServerEvent, str, type RealtimeEvent } from '../events.js';
import type { Call, CallListener, CallStats, CallTarget } from './call.js';

type PlaybackMessage =
  | { type: 'started'; itemId: string | null }
  | { type: 'drained'; itemId: string | null; playedSamples: number }
  | { type: 'cleared'; wasPlaying: boolean; itemId: string | null; playedSamples: number };

const msOf = (samples: number): number => Math.floor((samples * 1000) / SAMPLE_RATE);

/**
 * The WebSocket mode: `/v1/realtime` through Parley, with the microphone captured and the agent
 * played by AudioWorklets in an AudioContext running at the protocol's 24 kHz (the browser
 * resamples the microphone to it). The client owns playback, so it truncates on barge-in.
 */
export class WebSocketCall implements Call {
  readonly mode = 'websocket' as const;
  private micOpen = true;
  private readonly truncations: CallStats['truncations'] = [];
  private closedByUs = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly ctx: AudioContext,
    private readonly capture: AudioWorkletNode,
    private readonly playback: AudioWorkletNode,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly listener: CallListener,
  ) {
    capture.port.onmessage = (m: MessageEvent<{ pcm: Int16Array; rms: number }>) => {
      listener.micRms(m.data.rms);
      if (this.micOpen && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: pcmToBase64(m.data.pcm) }));
    };
    playback.port.onmessage = (m: MessageEvent<PlaybackMessage>) => this.onPlayback(m.data);
    ws.onmessage = (m) => this.onServer(m.data);
    ws.onclose = (c) => {
      this.teardown();
      // 1000 from the server: the session ended (goodbye, a limit, hung up). Anything else is a drop.
      if (!this.closedByUs) listener.closed({ ended: c.code === 1000 || c.code === 1008, reason: c.reason || `connection closed (${c.code})` });
    };
  }

  static async open(target: CallTarget, listener: CallListener): Promise<WebSocketCall> {
    const ctx = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
    try {
      await Promise.all([ctx.audioWorklet.addModule(captureUrl), ctx.audioWorklet.addModule(playbackUrl)]);
      const source = ctx.createMediaStreamSource(target.microphone);
      const capture = new AudioWorkletNode(ctx, 'parley-capture', { numberOfOutputs: 0 });
      const playback = new AudioWorkletNode(ctx, 'parley-playback', { numberOfInputs: 0, outputChannelCount: [1] });
      source.connect(capture);
      playback.connect(ctx.destination);
      await ctx.resume();
      const ws = await connect(target.url, target.secret);
      return new WebSocketCall(ws, ctx, capture, playback, source, listener);
    } catch (err) {
      void ctx.close();
      throw err;
    }
  }

  send(e: RealtimeEvent): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(e));
  }

  setMicOpen(open: boolean): void {
    this.micOpen = open;
  }

  interruptPlayback(): void {
    this.playback.port.postMessage({ type: 'clear' });
  }

  async stats(): Promise<CallStats> {
    let played = 0;
    for (const n of this.perItem.values()) played += n;
    return { playedMs: msOf(played), truncations: [...this.truncations] };
  }

  close(): void {
    this.closedByUs = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'caller hung up');
    this.teardown();
  }

  private onServer(data: unknown): void {
    const e = parseServerEvent(data);
    if (!e) return;
    if (e.type === 'response.output_audio.delta') {
      const pcm = base64ToPcm(str(e.delta) ?? '');
      this.playback.port.postMessage({ type: 'audio', itemId: str(e.item_id) ?? '', pcm }, [pcm.buffer]);
      return;
    }
    // The caller started to speak: silence the agent now, not when the server's cancel arrives.
    if (e.type === 'input_audio_buffer.speech_started') this.interruptPlayback();
    this.listener.event(e);
  }

  private onPlayback(m: PlaybackMessage): void {
    if (m.type === 'started') return this.listener.signal('playback_started');
    if (m.type === 'drained') {
      this.notePlayed(m);
      return this.listener.signal('playback_drained');
    }
    this.notePlayed(m);
    if (!m.wasPlaying || !m.itemId) return;
    // Tell the server what was actually heard, so the conversation holds only that.
    const audioEndMs = msOf(m.playedSamples);
    this.truncations.push({ itemId: m.itemId, audioEndMs });
    this.send({ type: 'conversation.item.truncate', item_id: m.itemId, content_index: 0, audio_end_ms: audioEndMs });
    this.listener.signal('barge_in');
  }

  /** Samples of each item the worklet has played, as it last reported. */
  private readonly perItem = new Map<string, number>();
  private notePlayed(m: { itemId: string | null; playedSamples: number }): void {
    if (m.itemId) this.perItem.set(m.itemId, m.playedSamples);
  }

  private teardown(): void {
    this.capture.port.onmessage = null;
    this.playback.port.onmessage = null;
    this.source.disconnect();
    if (this.ctx.state !== 'closed') void this.ctx.close();
  }
}

/** Opens the socket, with the secret in the subprotocol a browser can send it in. */
function connect(url: string, secret: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['realtime', `openai-insecure-api-key.${secret}`]);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new TypeError('The connection to the server failed.'));
    ws.onclose = (c) => reject(new TypeError(c.reason || `The server closed the connection (${c.code}).`));
  });
}
