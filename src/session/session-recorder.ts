import type { Logger } from 'pino';
import type { SessionTelemetry } from '../observability/session-telemetry.js';
import { itemText } from '../conversation/item-text.js';
import type { Item, ServerEvent } from '../protocol/schemas/index.js';
import type { RecordStore, SessionDetail, ToolCallRecord, TranscriptRecord } from '../store/types.js';
import { usageCost, type PriceTable } from './cost.js';
import type { TurnLatency } from './turn-latency.js';

/** Record time, taken only for events that are recorded (every audio delta passes `observe`). */
const now = (): string => new Date().toISOString();

export interface RecorderInit {
  sessionId: string;
  model: string;
  prices: PriceTable;
  records: RecordStore;
  logger: Logger;
  /** Told what is recorded, for metrics and traces; absent = telemetry off. */
  telemetry?: SessionTelemetry;
}

/**
 * Writes what happens in a session as it happens: transcript items when they complete (the
 * caller's by their transcript; the agent's again when a barge-in truncates them), tool
 * calls, usage with its estimated cost, and per-turn latency. Writes never block the
 * conversation; a failed write is logged, and `flush` waits for all of them. What it records
 * it also tells the session's telemetry, when there is one.
 */
export class SessionRecorder {
  private readonly pending = new Set<Promise<unknown>>();
  private costUsd = 0;
  private readonly userWords: string[] = [];
  private readonly actions: string[] = [];

  constructor(private readonly init: RecorderInit) {}

  /** A resumed session: what its record already holds counts toward its summary and budget. */
  resumeFrom(detail: Pick<SessionDetail, 'transcript' | 'toolCalls' | 'totals'>): void {
    for (const t of detail.transcript) if (t.role === 'user' && !t.truncated) this.userWords.push(t.text);
    for (const c of detail.toolCalls) if (!c.error) this.actions.push(c.name.replace(/_/g, ' '));
    this.costUsd += detail.totals.costUsd;
  }

  /** Estimated cost so far (for budget caps). */
  get cost(): number {
    return this.costUsd;
  }

  observe(event: ServerEvent): void {
    this.init.telemetry?.observe(event);
    switch (event.type) {
      case 'conversation.item.input_audio_transcription.completed':
        this.transcript({ itemId: event.item_id, role: 'user', text: event.transcript, truncated: false, at: now() });
        return;
      case 'conversation.item.done': {
        const item = event.item;
        if (item.type === 'message' && item.role === 'user' && item.content.some((p) => p.type === 'input_text')) this.transcript({ itemId: item.id ?? '', role: 'user', text: itemText(item), truncated: false, at: now() });
        return;
      }
      case 'response.output_item.done': {
        const item = event.item;
        if (item.type === 'message' && item.role === 'assistant') this.transcript({ itemId: item.id ?? '', role: 'assistant', text: itemText(item), truncated: false, at: now() });
        return;
      }
      case 'response.done': {
        const usage = event.response.usage;
        if (!usage || !event.response.id) return;
        const costUsd = usageCost(usage, this.init.model, this.init.prices);
        this.costUsd += costUsd;
        this.write(this.init.records.usage({ sessionId: this.init.sessionId, responseId: event.response.id, inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, raw: usage, costUsd, at: now() }));
        return;
      }
      default:
    }
  }

  /** The agent's item as the caller heard it, after a truncation. */
  truncated(item: Item): void {
    if (item.type !== 'message' || item.role !== 'assistant' || !item.id) return;
    this.transcript({ itemId: item.id, role: 'assistant', text: itemText(item), truncated: true, at: now() });
  }

  toolCall(t: Omit<ToolCallRecord, 'sessionId' | 'at'>): void {
    if (!t.error) this.actions.push(t.name.replace(/_/g, ' '));
    this.init.telemetry?.tool(t.name, t.error, t.latencyMs);
    this.write(this.init.records.toolCall({ ...t, sessionId: this.init.sessionId, at: now() }));
  }

  turn(t: TurnLatency): void {
    this.init.telemetry?.turn(t);
    const { itemId, transcriptMs, firstOutputMs, firstAudioMs, toolMs } = t;
    this.write(this.init.records.turn({ sessionId: this.init.sessionId, itemId, transcriptMs, firstOutputMs, firstAudioMs, toolMs, at: now() }));
  }

  /** Resolves when every write so far has settled. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** A short summary for memory: what the caller asked, and what was done. */
  summary(): string {
    const asked = this.userWords.slice(0, 3).map((w) => `"${w.length > 80 ? `${w.slice(0, 77)}…` : w}"`);
    const parts = [asked.length ? `The caller said ${asked.join(', ')}.` : '', this.actions.length ? `Done: ${this.actions.join('; ')}.` : ''];
    return parts.filter(Boolean).join(' ') || 'Nothing was said.';
  }

  private transcript(t: Omit<TranscriptRecord, 'sessionId'>): void {
    if (!t.itemId || !t.text) return;
    if (t.role === 'user' && !t.truncated) this.userWords.push(t.text);
    this.write(this.init.records.transcript({ ...t, sessionId: this.init.sessionId }));
  }

  private write(p: Promise<unknown>): void {
    const tracked = p
      .catch((err: unknown) => this.init.logger.error({ err, session_id: this.init.sessionId }, 'could not write a session record'))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
