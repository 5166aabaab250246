import { Histogram, Summary, type Registry } from 'prom-client';
import type { TurnLatency } from '../session/turn-latency.js';

/** Latency buckets in seconds, from a fast local turn (tens of ms) to a slow upstream (seconds). */
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];
const TOOL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Labels every turn is counted under: few values each, never a session. */
export interface TurnLabels {
  engine: string;
  transport: string;
}

/**
 * Each voice turn's latency, from the end of the caller's speech (TurnLatency): per segment,
 * voice-to-voice (to the first audio of the answer) as a histogram — aggregable across nodes —
 * and as a summary whose p50/p95/p99 over the last ten minutes can be read off one node
 * directly; and the time of each tool call.
 */
export class TurnMetrics {
  private readonly segments: Histogram<'segment' | 'engine' | 'transport'>;
  private readonly voiceToVoice: Histogram<'engine' | 'transport'>;
  private readonly voiceToVoiceRecent: Summary<'engine' | 'transport'>;
  private readonly tools: Histogram<'tool' | 'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.segments = new Histogram({
      name: 'parley_turn_segment_seconds',
      help: "Time from the end of the caller's speech to each milestone of the answer: transcript, first output of the model, first audio byte.",
      labelNames: ['segment', 'engine', 'transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.voiceToVoice = new Histogram({
      name: 'parley_voice_to_voice_seconds',
      help: "Voice-to-voice latency as the server sees it: end of the caller's speech (VAD) to the first audio byte of the answer.",
      labelNames: ['engine', 'transport'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.voiceToVoiceRecent = new Summary({
      name: 'parley_voice_to_voice_recent_seconds',
      help: 'Voice-to-voice latency on this node over the last 10 minutes, as quantiles (not aggregable across nodes: use parley_voice_to_voice_seconds).',
      labelNames: ['engine', 'transport'],
      percentiles: [0.5, 0.95, 0.99],
      maxAgeSeconds: 600,
      ageBuckets: 5,
      registers,
    });
    this.tools = new Histogram({
      name: 'parley_tool_seconds',
      help: 'Time each server-side tool call took, by tool and outcome (ok, or its error code).',
      labelNames: ['tool', 'outcome'],
      buckets: TOOL_BUCKETS,
      registers,
    });
  }

  turn(labels: TurnLabels, t: TurnLatency): void {
    const { engine, transport } = labels;
    if (t.transcriptMs !== null) this.segments.observe({ segment: 'transcript', engine, transport }, t.transcriptMs / 1000);
    if (t.firstOutputMs !== null) this.segments.observe({ segment: 'first_output', engine, transport }, t.firstOutputMs / 1000);
    if (t.firstAudioMs !== null) {
      this.segments.observe({ segment: 'first_audio', engine, transport }, t.firstAudioMs / 1000);
      this.voiceToVoice.observe({ engine, transport }, t.firstAudioMs / 1000);
      this.voiceToVoiceRecent.observe({ engine, transport }, t.firstAudioMs / 1000);
    }
  }

  /** `outcome`: `ok`, or the call's error code (a closed set: ToolErrorCode). */
  tool(name: string, outcome: string, ms: number): void {
    this.tools.observe({ tool: name, outcome }, ms / 1000);
  }
}
