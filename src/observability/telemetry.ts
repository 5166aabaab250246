import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { PriceTable } from '../session/cost.js';
import type { SessionRegistry } from '../session/registry.js';
import type { CallAudioMeter } from './audio-meter.js';
import type { CallTransport } from './audio-metrics.js';
import { ParleyMetrics } from './metrics.js';
import { registerMetricsRoute } from './metrics-route.js';
import type { NodeStatus } from './node-metrics.js';
import { SessionTelemetry } from './session-telemetry.js';
import type { TurnTracer } from './turn-tracer.js';
import { modelLabel } from './usage-metrics.js';

export interface TelemetryDeps {
  /** Every live session passes through it: sessions are counted from its `onAdd`. */
  sessions: SessionRegistry;
  node: NodeStatus;
  logger: Logger;
}

/** Who a session is, for its telemetry. */
export interface SessionIdentity {
  sessionId: string;
  agent: string;
  transport: string;
  engine: string;
  model: string;
  /** The client named the model (`?model=`): the name is not trusted as a label. */
  modelAskedByClient: boolean;
}

/**
 * A server's metrics (`telemetry.metrics`) and turn traces (`telemetry.otlpEndpoint`), each
 * only when switched on: without an endpoint no OpenTelemetry object exists, and its SDK is
 * not even loaded.
 */
export class Telemetry {
  private constructor(
    private readonly metrics: ParleyMetrics | null,
    private readonly tracer: TurnTracer | null,
    private readonly prices: PriceTable,
    private readonly logger: Logger,
  ) {}

  static async create(config: Config, deps: TelemetryDeps): Promise<Telemetry> {
    const metrics = config.telemetry.metrics ? new ParleyMetrics(deps.node) : null;
    metrics?.sessions.watch(deps.sessions);
    const endpoint = config.telemetry.otlpEndpoint;
    const tracer = endpoint ? new (await import('./turn-tracer.js')).TurnTracer(endpoint, config.cluster.nodeId) : null;
    return new Telemetry(metrics, tracer, config.pricing, deps.logger);
  }

  /** Serves `GET /metrics` when metrics are on. */
  register(app: FastifyInstance): void {
    if (this.metrics) registerMetricsRoute(app, this.metrics);
  }

  /** A new session's telemetry; undefined when there is none to keep. */
  session(s: SessionIdentity): SessionTelemetry | undefined {
    if (!this.metrics && !this.tracer) return undefined;
    const { modelAskedByClient, ...identity } = s;
    return new SessionTelemetry({ ...identity, modelLabel: modelLabel(s.model, modelAskedByClient, this.prices), prices: this.prices, metrics: this.metrics, tracer: this.tracer });
  }

  /** The audio meter a call transport's calls report to; undefined without metrics. */
  audio(transport: CallTransport): CallAudioMeter | undefined {
    return this.metrics?.audio.meter(transport);
  }

  /** Sends the traces still buffered. Never throws: a collector that is away must not keep the rest of shutdown (the store) from closing. */
  async close(): Promise<void> {
    await this.tracer?.close().catch((err: unknown) => this.logger.warn({ err }, 'could not send the last traces to the OTLP endpoint'));
  }
}
