import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket, type MediaStreamTrack, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { OPUS_FRAME_MS, OPUS_RTP_CLOCK_RATE, OpusDecoder, OpusEncoder } from '../../audio/index.js';
import type { CallAudioMeter } from '../../observability/audio-meter.js';
import { InboundAudio, type InboundStats } from './inbound.js';
import type { OutFrame } from '../playout/playout.js';

/** RTP ticks per 20 ms frame. */
const FRAME_TICKS = (OPUS_RTP_CLOCK_RATE * OPUS_FRAME_MS) / 1000;

export interface MediaOptions {
  /** The caller's audio, PCM16 24 kHz, in batches. */
  onAudio: (pcm: Int16Array) => void;
  /** Every inbound packet (the call watches for a caller gone silent). */
  onPacket?: () => void;
  onError: (err: unknown) => void;
  /** Where lost and unsendable frames are counted; absent = not counted. */
  audio?: CallAudioMeter | undefined;
}

/**
 * The call's audio track: the caller's Opus RTP in (decoded, gaps filled), the agent's frames
 * out (Opus-encoded, RTP timestamps on a 48 kHz clock that keeps running across pauses, the
 * marker bit on each talkspurt's first packet). Owns the Opus handles; `close` frees them.
 */
export class CallMedia {
  private readonly encoder: OpusEncoder;
  private readonly decoder: OpusDecoder;
  private readonly inbound: InboundAudio;
  private readonly transceiver: RTCRtpTransceiver;
  private readonly epoch = performance.now();
  private readonly tsOrigin = randomInt(0, 2 ** 31);
  private seq = randomInt(0, 2 ** 16);
  /** Timestamp of the current talkspurt's first frame, and frames sent in it. */
  private spurtTs = 0;
  private inSpurt = 0;
  private lastTs: number | null = null;
  private closed = false;
  private framesSent = 0;
  /** An outbound frame could not be encoded or sent: it is lost. */
  private readonly onSendError: (err: unknown) => void;

  constructor(pc: RTCPeerConnection, opts: MediaOptions) {
    const audio = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!audio) throw new Error('the call has no audio transceiver');
    this.transceiver = audio;
    // Made only once nothing can fail: an Opus handle is freed by close() alone.
    this.encoder = new OpusEncoder();
    this.decoder = new OpusDecoder();
    this.inbound = new InboundAudio({ decoder: this.decoder, onAudio: opts.onAudio, meter: opts.audio?.inbound });
    this.onSendError = (err) => {
      opts.audio?.outbound.dropped(1);
      opts.onError(err);
    };
    // werift makes the remote track while applying the offer (before this runs) when the offer
    // names its SSRC, or on the first packet when it does not: watch both, each track once.
    const watched = new Set<MediaStreamTrack>();
    const watch = (track: MediaStreamTrack): void => {
      if (watched.has(track)) return;
      watched.add(track);
      track.onReceiveRtp.subscribe((rtp) => {
        if (this.closed) return;
        opts.onPacket?.();
        this.inbound.receive({ ssrc: rtp.header.ssrc, timestamp: rtp.header.timestamp, payload: rtp.payload });
      });
    };
    for (const track of audio.receiver.tracks) watch(track);
    audio.onTrack.subscribe(watch);
  }


  get stats(): InboundStats & { framesSent: number } {
    return { ...this.inbound.stats, framesSent: this.framesSent };
  }

  /** Encodes one 20 ms frame and sends it as one RTP packet. */
  send(frame: OutFrame, spurtStart: boolean): void {
    if (this.closed) return;
    if (spurtStart || this.lastTs === null) {
      // A pause keeps its length on the RTP clock, so the caller's jitter buffer stays in step.
      const wall = (this.tsOrigin + Math.round((performance.now() - this.epoch) * (OPUS_RTP_CLOCK_RATE / 1000))) >>> 0;
      this.spurtTs = this.lastTs === null || ((wall - this.lastTs) | 0) > FRAME_TICKS ? wall : (this.lastTs + FRAME_TICKS) >>> 0;
      this.inSpurt = 0;
    }
    const timestamp = (this.spurtTs + this.inSpurt * FRAME_TICKS) >>> 0;
    this.inSpurt++;
    this.lastTs = timestamp;
    this.seq = (this.seq + 1) & 0xffff;
    let payload: Buffer;
    try {
      payload = this.encoder.encode(frame.audio);
    } catch (err) {
      return this.onSendError(err);
    }
    this.framesSent++;
    const header = new RtpHeader({ sequenceNumber: this.seq, timestamp, marker: spurtStart, payloadType: 111 });
    // werift stamps the negotiated payload type and its SSRC; a send before DTLS is up is dropped by it.
    this.transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(this.onSendError);
  }

  /** Hands over the caller's audio still batched. */
  flush(): void {
    if (!this.closed) this.inbound.flush();
  }

  /** Frees the Opus handles; later packets are ignored. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.encoder.close();
    this.decoder.close();
  }
}
