import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TurnLatency } from '../session/turn-latency.js';
import { PACKAGE_VERSION } from '../server/version.js';

/** Incubating semantic conventions are copied, not imported (their module is large and unstable). */
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
const ATTR_SESSION_ID = 'session.id';
/** An unreachable collector delays shutdown by at most this long. */
const EXPORT_TIMEOUT_MS = 3000;

/** The session a turn belongs to, as span attributes. */
export interface TracedSession {
  sessionId: string;
  agent: string;
  transport: string;
  engine: string;
}

/** One server-side tool call, in wall-clock ms. */
export interface ToolSpan {
  name: string;
  /** `ok`, or the call's error code. */
  outcome: string;
  startedAt: number;
  endedAt: number;
}

/**
 * One trace per voice turn, sent to an OTLP/HTTP collector: a root span `parley.turn` from the
 * end of the caller's speech to the end of the answer, with a child span per segment — each
 * from the end of speech to its milestone, as the latency metrics measure it — and one per
 * tool call. A turn is measured before it is traced, so every span gets explicit times.
 */
export class TurnTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;

  /** `endpoint`: the collector's OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. */
  constructor(endpoint: string, nodeId: string | undefined) {
    const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'parley', [ATTR_SERVICE_VERSION]: PACKAGE_VERSION, ...(nodeId ? { [ATTR_SERVICE_INSTANCE_ID]: nodeId } : {}) }),
      spanProcessors: [new BatchSpanProcessor(exporter, { exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
    });
    // Not registered globally: each server has its own provider, and nothing else traces through the API.
    this.tracer = this.provider.getTracer('parley', PACKAGE_VERSION);
  }

  turn(session: TracedSession, t: TurnLatency, tools: readonly ToolSpan[]): void {
    const start = t.startedAt;
    const attributes: Attributes = {
      [ATTR_SESSION_ID]: session.sessionId,
      'parley.agent': session.agent,
      'parley.transport': session.transport,
      'parley.engine': session.engine,
      'parley.item_id': t.itemId,
    };
    const root = this.tracer.startSpan('parley.turn', { startTime: start, attributes, root: true });
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    const segment = (name: string, attribute: string, ms: number | null): void => {
      if (ms === null) return;
      // On the root too: a collector can then search turns by latency.
      root.setAttribute(attribute, ms);
      this.tracer.startSpan(name, { startTime: start, attributes: { [ATTR_SESSION_ID]: session.sessionId } }, parent).end(start + ms);
    };
    segment('stt', 'parley.transcript_ms', t.transcriptMs);
    segment('model.first_output', 'parley.first_output_ms', t.firstOutputMs);
    segment('audio.first_byte', 'parley.first_audio_ms', t.firstAudioMs);
    if (t.toolMs !== null) root.setAttribute('parley.tool_ms', t.toolMs);
    for (const tool of tools) {
      // GenAI semantic conventions for a tool call.
      const span = this.tracer.startSpan(`execute_tool ${tool.name}`, { startTime: tool.startedAt, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool.name, 'parley.tool.outcome': tool.outcome } }, parent);
      if (tool.outcome !== 'ok') {
        span.setAttribute('error.type', tool.outcome);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(tool.endedAt);
    }
    root.end(start + t.durationMs);
  }

  /** Sends what is buffered and stops. */
  close(): Promise<void> {
    return this.provider.shutdown();
  }
}
