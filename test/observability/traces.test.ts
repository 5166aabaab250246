import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { Telemetry } from '../../src/observability/telemetry.js';
import type { TurnTracer } from '../../src/observability/turn-tracer.js';
import { NodeCapacity } from '../../src/server/limits/node-capacity.js';
import { SessionRegistry } from '../../src/session/registry.js';
import { openStore } from '../../src/store/index.js';
import type { SessionDetail, Store } from '../../src/store/types.js';
import { RawClient, spokenText } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { streamRealtime } from '../helpers/voice-session.js';

const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);

/** OTLP/JSON as the http exporter sends it: ids in hex, times as strings of nanoseconds. */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpRequest {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A span with its times in ms since the epoch and its attributes as an object. */
interface Span {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
}

const attributes = (list: OtlpAttribute[]): Record<string, unknown> =>
  Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? a.value.doubleValue ?? (a.value.intValue === undefined ? a.value.boolValue : Number(a.value.intValue))]));
const ms = (nanos: string): number => Number(BigInt(nanos) / 1000n) / 1000;

/** A loopback OTLP/HTTP collector: keeps every export request sent to /v1/traces. */
class Collector {
  readonly requests: { contentType: string; body: OtlpRequest }[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (req.method === 'POST' && req.url === '/v1/traces') this.requests.push({ contentType: req.headers['content-type'] ?? '', body: JSON.parse(body.toString('utf8')) as OtlpRequest });
      res.writeHead(req.url === '/v1/traces' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): Span[] {
    return this.requests.flatMap((r) =>
      r.body.resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) =>
          ss.spans.map((s) => ({ name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', startMs: ms(s.startTimeUnixNano), endMs: ms(s.endTimeUnixNano), attributes: attributes(s.attributes) })),
        ),
      ),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('one OpenTelemetry trace per voice turn, sent over OTLP/HTTP', { skip: missingTools() ?? false }, () => {
  const collector = new Collector();
  const audio = new AudioFactory();
  let srv: TestServer;
  let store: Store;
  before(async () => {
    const endpoint = await collector.start();
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' }, cluster: { nodeId: 'node-t1' }, telemetry: { metrics: false, otlpEndpoint: endpoint } }, { agentsDir: 'agents', store });
  });
  after(async () => {
    audio.dispose();
    await collector.close();
  });

  it('a spoken booking: the turn as the root span, its segments and the tool call as children, at the times the record holds', async () => {
    const ws = await RawClient.connect(srv.wsUrl);
    const sessionId = (await ws.next('session.created')).session.id as string;
    await ws.next('response.done', undefined, 15_000);
    const speech = audio.speech("I'd like to book a consultation next Tuesday at ten a.m.", 0.5, 1.2, 24000);
    await streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    const stopped = await ws.next('input_audio_buffer.speech_stopped', undefined, 10_000);
    const stoppedSeenAt = ws.times[ws.events.indexOf(stopped)]!;
    await ws.next('response.done', (e) => /You're all set/.test(spokenText(e.response)), 15_000);
    await ws.close();
    while (srv.server.sessions.size > 0) await new Promise((r) => setTimeout(r, 20));
    const record = (await store.records.session(sessionId)) as SessionDetail;
    // Closing the server flushes the batched spans to the collector.
    await srv.close();

    assert.ok(collector.requests.length > 0, 'spans were exported');
    for (const r of collector.requests) assert.equal(r.contentType, 'application/json');
    const resource = attributes(collector.requests[0]!.body.resourceSpans[0]!.resource.attributes);
    assert.equal(resource['service.name'], 'parley');
    assert.equal(resource['service.instance.id'], 'node-t1');

    const turn = record.turns[0]!;
    const call = record.toolCalls[0]!;
    assert.ok(turn.transcriptMs !== null && turn.firstOutputMs !== null && turn.firstAudioMs !== null, JSON.stringify(turn));

    const spans = collector.spans();
    const roots = spans.filter((s) => s.name === 'parley.turn');
    assert.equal(roots.length, 1, 'one turn, one trace');
    const root = roots[0]!;
    assert.equal(root.parentSpanId, '');
    assert.deepEqual(
      { session: root.attributes['session.id'], agent: root.attributes['parley.agent'], transport: root.attributes['parley.transport'], engine: root.attributes['parley.engine'], item: root.attributes['parley.item_id'] },
      { session: sessionId, agent: 'receptionist', transport: 'websocket', engine: 'local', item: turn.itemId },
    );
    // The turn starts when the caller's speech ended: when the client was told so, give or take the socket.
    assert.ok(Math.abs(root.startMs - stoppedSeenAt) < 250, `the turn starts at speech_stopped (${root.startMs - stoppedSeenAt} ms off)`);

    const children = spans.filter((s) => s.parentSpanId === root.spanId);
    assert.deepEqual(children.map((s) => s.name).sort(), ['audio.first_byte', 'execute_tool book_appointment', 'model.first_output', 'stt']);
    for (const s of children) {
      assert.equal(s.traceId, root.traceId, `${s.name} is in the turn's trace`);
      assert.ok(s.startMs >= root.startMs - 1e-3 && s.endMs <= root.endMs + 1e-3 && s.startMs <= s.endMs, `${s.name} lies within the turn`);
    }
    const span = (name: string): Span => children.find((s) => s.name === name)!;
    // Each segment runs from the end of speech to its milestone: as long as the record says (whole ms there).
    for (const [name, latency] of [['stt', turn.transcriptMs], ['model.first_output', turn.firstOutputMs], ['audio.first_byte', turn.firstAudioMs]] as const) {
      const s = span(name);
      assert.equal(s.startMs, root.startMs, `${name} starts with the turn`);
      assert.ok(Math.abs(s.endMs - s.startMs - latency) <= 0.51, `${name}: ${s.endMs - s.startMs} ms, the record says ${latency} ms`);
      assert.equal(s.attributes['session.id'], sessionId);
    }
    const tool = span('execute_tool book_appointment');
    assert.equal(tool.attributes['gen_ai.tool.name'], 'book_appointment');
    assert.equal(tool.attributes['parley.tool.outcome'], 'ok');
    assert.ok(Math.abs(tool.endMs - tool.startMs - call.latencyMs) <= 1, `the tool span lasts the call's ${call.latencyMs} ms`);
    // In order: the transcript, the model's call, the tool, then the answer's first audio.
    assert.ok(span('stt').endMs <= span('model.first_output').endMs, 'transcript before the first output');
    assert.ok(tool.startMs >= span('model.first_output').endMs - 1, 'the tool runs after the model asked for it');
    assert.ok(tool.endMs <= span('audio.first_byte').endMs, 'the answer is spoken after the tool returned');
  });
});

describe('a collector that cannot be reached', () => {
  it('closing the telemetry logs the failed export and resolves, so shutdown goes on to close the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-otel-'));
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) });
    try {
      // Port 1 on loopback: nothing listens, the export is refused.
      const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, dir);
      const telemetry = await Telemetry.create(config, { sessions: new SessionRegistry(), node: new NodeCapacity(1), logger });
      // A turn as a session would trace it (the tracer is private: a voice turn needs the embedded engine's tools).
      const tracer = (telemetry as unknown as { tracer: TurnTracer }).tracer;
      tracer.turn({ sessionId: 'sess_x', agent: 'a', transport: 'websocket', engine: 'local' }, { itemId: 'item_x', transcriptMs: 1, firstOutputMs: 2, firstAudioMs: 3, toolMs: null, startedAt: Date.now(), durationMs: 10 }, []);
      await telemetry.close();
      assert.deepEqual(warnings, ['could not send the last traces to the OTLP endpoint']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
