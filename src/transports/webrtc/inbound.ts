import { OPUS_FRAME_SAMPLES, OPUS_RTP_CLOCK_RATE, OPUS_SAMPLE_RATE, type OpusDecoder } from '../../audio/index.js';
import type { FrameMeter } from '../../observability/audio-meter.js';

/** RTP ticks (48 kHz) per PCM sample (24 kHz). */
const TICKS_PER_SAMPLE = OPUS_RTP_CLOCK_RATE / OPUS_SAMPLE_RATE;
/** The longest gap filled with silence: beyond it the stream is taken to have jumped, not to have lost packets. */
const MAX_FILL_SAMPLES = 5 * OPUS_SAMPLE_RATE;

export interface InboundOptions {
  decoder: OpusDecoder;
  /** Receives the caller's audio as PCM16 24 kHz, in batches of about `batchMs`. */
  onAudio: (pcm: Int16Array) => void;
  /** 20–100 ms: how much audio one `input_audio_buffer.append` carries. */
  batchMs?: number;
  /** Where late and lost packets are counted; absent = not counted. */
  meter?: FrameMeter | undefined;
  now?: () => number;
}

export interface InboundStats {
  packets: number;
  /** Packets that came after later ones (or twice): dropped, their time was already filled. */
  late: number;
  /** Packets libopus could not decode: their time filled with silence. */
  undecodable: number;
  /** Samples of silence put in for lost or missing packets. */
  filledSamples: number;
}

/**
 * The caller's Opus RTP → continuous PCM16 at 24 kHz for the session. The session's VAD counts
 * time in samples, so lost packets must not shorten the audio: a gap in RTP timestamps is
 * filled with silence (bounded by the wall-clock time that passed, so a bogus timestamp cannot
 * conjure minutes of audio). Packets arriving after a later one are dropped — a jitter buffer
 * would add delay to every turn for a loss that loopback and LAN callers almost never see.
 */
export class InboundAudio {
  private readonly batchSamples: number;
  private readonly now: () => number;
  private ssrc: number | null = null;
  /** The RTP timestamp the next packet should carry. */
  private expected = 0;
  private lastArrival = 0;
  private batch: Int16Array[] = [];
  private batched = 0;
  readonly stats: InboundStats = { packets: 0, late: 0, undecodable: 0, filledSamples: 0 };

  constructor(private readonly opts: InboundOptions) {
    this.batchSamples = Math.round(((opts.batchMs ?? 40) * OPUS_SAMPLE_RATE) / 1000);
    this.now = opts.now ?? (() => performance.now());
  }

  /** One RTP packet of the caller's audio track. Never throws. */
  receive(packet: { ssrc: number; timestamp: number; payload: Uint8Array }): void {
    this.stats.packets++;
    const now = this.now();
    if (this.ssrc !== packet.ssrc) {
      // A new source (or the first): its timestamps start anywhere.
      this.ssrc = packet.ssrc;
      this.expected = packet.timestamp;
    }
    // Unsigned 32-bit difference, read as signed: timestamps wrap.
    const ahead = (packet.timestamp - this.expected) | 0;
    if (ahead < 0) {
      this.stats.late++;
      this.opts.meter?.late(1);
      return;
    }
    if (ahead > 0) {
      const elapsed = Math.max(0, Math.round(((now - this.lastArrival) * OPUS_SAMPLE_RATE) / 1000));
      this.fill(Math.min(Math.round(ahead / TICKS_PER_SAMPLE), elapsed + OPUS_FRAME_SAMPLES, MAX_FILL_SAMPLES));
    }
    this.lastArrival = now;
    let pcm: Int16Array;
    try {
      pcm = this.opts.decoder.decode(packet.payload);
    } catch {
      // Not Opus (or corrupt): its time is kept as silence, assuming the usual 20 ms.
      this.stats.undecodable++;
      this.opts.meter?.dropped(1);
      pcm = new Int16Array(OPUS_FRAME_SAMPLES);
    }
    this.expected = (packet.timestamp + pcm.length * TICKS_PER_SAMPLE) >>> 0;
    this.add(pcm);
  }

  /** Hands over what is batched (the call is ending). */
  flush(): void {
    if (this.batched === 0) return;
    const out = new Int16Array(this.batched);
    let at = 0;
    for (const part of this.batch) {
      out.set(part, at);
      at += part.length;
    }
    this.batch = [];
    this.batched = 0;
    this.opts.onAudio(out);
  }

  private fill(samples: number): void {
    if (samples <= 0) return;
    this.stats.filledSamples += samples;
    // In 20 ms frames, as the caller sends them: a gap is that many packets lost.
    const frames = Math.round(samples / OPUS_FRAME_SAMPLES);
    if (frames > 0) this.opts.meter?.dropped(frames);
    this.add(new Int16Array(samples));
  }

  private add(pcm: Int16Array): void {
    this.batch.push(pcm);
    this.batched += pcm.length;
    if (this.batched >= this.batchSamples) this.flush();
  }
}
