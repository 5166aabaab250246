import { Counter, Histogram, type Registry } from 'prom-client';
import type { CallAudioMeter, FrameMeter } from './audio-meter.js';

/** Call transports: the ones that carry media frames themselves (the WebSocket carries events). */
export type CallTransport = 'twilio' | 'webrtc';

const LATENESS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 1];

/**
 * Audio frames of calls that went wrong, by transport and direction, and how late outbound
 * frames leave against the pacer's schedule (event-loop stalls show up here first).
 */
export class AudioMetrics {
  private readonly late: Counter<'transport' | 'direction'>;
  private readonly dropped: Counter<'transport' | 'direction'>;
  private readonly lateness: Histogram<'transport'>;
  private readonly meters = new Map<CallTransport, CallAudioMeter>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.late = new Counter({
      name: 'parley_audio_frames_late_total',
      help: 'Audio frames that came after their time (inbound: discarded) or left after their play time (outbound: the caller heard a gap).',
      labelNames: ['transport', 'direction'],
      registers,
    });
    this.dropped = new Counter({
      name: 'parley_audio_frames_dropped_total',
      help: 'Audio frames lost: inbound ones that never arrived or could not be decoded (filled with silence), outbound ones that could not be sent.',
      labelNames: ['transport', 'direction'],
      registers,
    });
    this.lateness = new Histogram({
      name: 'parley_audio_outbound_lateness_seconds',
      help: "How long after its slot in the real-time playout schedule each batch of the agent's audio frames left.",
      labelNames: ['transport'],
      buckets: LATENESS_BUCKETS,
      registers,
    });
  }

  /** The meter a transport's calls share: its label children are bound once, not per frame. */
  meter(transport: CallTransport): CallAudioMeter {
    let m = this.meters.get(transport);
    if (!m) {
      const lateness = this.lateness.labels({ transport });
      m = { inbound: this.frames(transport, 'inbound'), outbound: { ...this.frames(transport, 'outbound'), lateness: (ms) => lateness.observe(ms / 1000) } };
      this.meters.set(transport, m);
    }
    return m;
  }

  private frames(transport: CallTransport, direction: 'inbound' | 'outbound'): FrameMeter {
    const late = this.late.labels({ transport, direction });
    const dropped = this.dropped.labels({ transport, direction });
    // At zero from the transport's first call on: a rate() over a series that only appears at the first loss misses that loss.
    late.inc(0);
    dropped.inc(0);
    return { late: (n) => late.inc(n), dropped: (n) => dropped.inc(n) };
  }
}
