import type { ServerEvent } from '../protocol/schemas/index.js';

/** One turn's segments, ms from the end of the caller's speech (speech_stopped). */
export interface TurnLatency {
  itemId: string;
  transcriptMs: number | null;
  firstOutputMs: number | null;
  firstAudioMs: number | null;
  toolMs: number | null;
  /** When the caller's speech ended, wall clock (epoch ms): where the segments start. */
  startedAt: number;
  /** Ms from then to the end of the turn: its answer done, or the turn cut short. */
  durationMs: number;
}

interface Open {
  itemId: string;
  stoppedAt: number;
  latency: Omit<TurnLatency, 'startedAt' | 'durationMs'>;
  responseId: string | null;
  /** The turn ends with the first response that is not answered by tool calls. */
  done: boolean;
}

/**
 * Measures every voice turn as the server sees it: end of speech → transcript, → first model
 * output, → first audio byte, plus time spent in tools. A turn is reported once its answer is
 * complete (a response that asks for no tool), or when the next turn begins.
 */
export class TurnLatencyTracker {
  private open: Open | null = null;

  constructor(
    private readonly report: (t: TurnLatency) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  observe(event: ServerEvent): void {
    const t = this.now();
    const o = this.open;
    switch (event.type) {
      case 'input_audio_buffer.speech_stopped':
        this.flush();
        this.open = { itemId: event.item_id, stoppedAt: t, responseId: null, done: false, latency: { itemId: event.item_id, transcriptMs: null, firstOutputMs: null, firstAudioMs: null, toolMs: null } };
        return;
      case 'conversation.item.input_audio_transcription.completed':
        if (o && event.item_id === o.itemId && o.latency.transcriptMs === null) o.latency.transcriptMs = t - o.stoppedAt;
        return;
      case 'response.created':
        if (o && o.responseId === null && event.response.conversation_id) o.responseId = event.response.id ?? null;
        return;
      case 'response.output_item.added':
        if (o && event.response_id === o.responseId && o.latency.firstOutputMs === null) o.latency.firstOutputMs = t - o.stoppedAt;
        return;
      case 'response.output_audio.delta':
        if (o && event.response_id === o.responseId && o.latency.firstAudioMs === null) o.latency.firstAudioMs = t - o.stoppedAt;
        return;
      case 'response.done': {
        if (!o || event.response.id !== o.responseId) return;
        const calls = (event.response.output ?? []).some((i) => i.type === 'function_call');
        // Answered by tools: the turn goes on with the response after the tool output.
        if (calls && event.response.status === 'completed') o.responseId = null;
        else this.flush();
        return;
      }
      default:
    }
  }

  /** Tool time spent in the open turn. */
  addToolTime(ms: number): void {
    if (this.open) this.open.latency.toolMs = (this.open.latency.toolMs ?? 0) + ms;
  }

  /** Reports the open turn, if any (the next turn started, or the session ends). */
  flush(): void {
    const o = this.open;
    this.open = null;
    if (!o) return;
    // The tracker's clock is monotonic (and injectable); the wall clock is read once, at the end.
    const durationMs = this.now() - o.stoppedAt;
    this.report(round({ ...o.latency, startedAt: Date.now() - durationMs, durationMs }));
  }
}

const r1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const round = (l: TurnLatency): TurnLatency => ({ itemId: l.itemId, transcriptMs: r1(l.transcriptMs), firstOutputMs: r1(l.firstOutputMs), firstAudioMs: r1(l.firstAudioMs), toolMs: r1(l.toolMs), startedAt: l.startedAt, durationMs: Math.round(l.durationMs * 10) / 10 });
