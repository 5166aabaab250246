import type { ServerEvent } from '../protocol/schemas/index.js';
import { usageCost, type PriceTable } from '../session/cost.js';
import type { TurnLatency } from '../session/turn-latency.js';
import type { ParleyMetrics } from './metrics.js';
import type { ToolSpan, TracedSession, TurnTracer } from './turn-tracer.js';

/** Tool calls kept for the open turn's trace; a session without voice turns must not pile them up. */
const MAX_PENDING_TOOLS = 32;

export interface SessionTelemetryInit extends TracedSession {
  /** The session's model, for its cost. */
  model: string;
  /** The model as a metric label (bounded: `modelLabel`). */
  modelLabel: string;
  prices: PriceTable;
  metrics: ParleyMetrics | null;
  tracer: TurnTracer | null;
}

/**
 * One session's part of the server's telemetry. The session's recorder feeds it what it
 * records — the events (for usage), each measured turn and each tool call — and it turns them
 * into metrics under bounded labels and, with tracing on, into one trace per turn.
 */
export class SessionTelemetry {
  /** When each response in flight was created (performance clock), for its token rate. */
  private readonly responses = new Map<string, number>();
  /** Tool calls since the last turn was reported: the next turn's tool spans. */
  private readonly tools: ToolSpan[] = [];

  constructor(private readonly init: SessionTelemetryInit) {}

  observe(event: ServerEvent): void {
    const metrics = this.init.metrics;
    if (!metrics) return;
    if (event.type === 'response.created' && event.response.id) this.responses.set(event.response.id, performance.now());
    else if (event.type === 'response.done' && event.response.id) {
      const created = this.responses.get(event.response.id);
      this.responses.delete(event.response.id);
      const usage = event.response.usage;
      if (!usage) return;
      const { engine, model, modelLabel, prices } = this.init;
      metrics.usage.response({ engine, model: modelLabel }, usage, usageCost(usage, model, prices), created === undefined ? 0 : performance.now() - created);
    }
  }

  turn(t: TurnLatency): void {
    const { metrics, tracer, engine, transport } = this.init;
    metrics?.turns.turn({ engine, transport }, t);
    // Calls made before this turn's speech ended belong to no voice turn (a typed one, say).
    tracer?.turn(this.init, t, this.tools.filter((c) => c.startedAt >= t.startedAt));
    this.tools.length = 0;
  }

  /** A server-side tool call that just finished; `error` is its error code, if it failed. */
  tool(name: string, error: string | null, latencyMs: number): void {
    const outcome = error ?? 'ok';
    this.init.metrics?.turns.tool(name, outcome, latencyMs);
    if (!this.init.tracer) return;
    if (this.tools.length === MAX_PENDING_TOOLS) this.tools.shift();
    const endedAt = Date.now();
    this.tools.push({ name, outcome, startedAt: endedAt - latencyMs, endedAt });
  }
}
