import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TwilioNetwork } from '../../src/simulators/twilio/index.js';
import { openStore } from '../../src/store/index.js';
import type { SessionDetail, Store } from '../../src/store/types.js';
import { RawClient, spokenText } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { AudioFactory, missingTools, mix, whiteNoise } from '../helpers/speech-audio.js';
import { startTwilioServer, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, type TwilioTestServer } from '../helpers/twilio.js';
import { streamRealtime } from '../helpers/voice-session.js';
import { parseMetrics, select, total, type Sample } from './prometheus-text.js';

/** A −60 dBFS microphone noise floor: real input is never digital silence. */
const MIC_FLOOR_RMS = 32768 * 10 ** (-60 / 20);
const WS = { transport: 'websocket', engine: 'local' };
/** The store keeps whole milliseconds; the metrics the tracker's 0.1 ms. */
const MS_ROUNDING_S = 0.0005 + 1e-9;

async function scrape(srv: TestServer): Promise<Sample[]> {
  const res = await fetch(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  return parseMetrics(await res.text());
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One observation of `seconds` in histogram `name`: count 1, sum the value, and it is in the right bucket. */
function assertOneObservation(samples: Sample[], name: string, labels: Record<string, string>, seconds: number): void {
  assert.equal(total(samples, `${name}_count`, labels), 1, `${name} ${JSON.stringify(labels)}: one observation`);
  const sum = total(samples, `${name}_sum`, labels);
  assert.ok(Math.abs(sum - seconds) <= MS_ROUNDING_S, `${name} ${JSON.stringify(labels)}: ${sum} s observed, the record says ${seconds} s`);
  for (const b of select(samples, `${name}_bucket`, labels)) {
    const le = Number(b.labels.le === '+Inf' ? Infinity : b.labels.le);
    assert.equal(b.value, sum <= le ? 1 : 0, `${name} bucket le=${b.labels.le}`);
  }
}

const skip = missingTools() ?? false;

describe('Prometheus metrics at /metrics', { skip }, () => {
  let srv: TestServer;
  let store: Store;
  const audio = new AudioFactory();
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ engine: { default: 'local' } }, { agentsDir: 'agents', store });
  });
  after(async () => {
    audio.dispose();
    await srv.close();
  });

  it('a spoken booking is counted as its session record has it: sessions, turn latency, the tool call, tokens', async () => {
    const before = await scrape(srv);
    assert.equal(total(before, 'parley_sessions_active', WS), 0);

    const ws = await RawClient.connect(srv.wsUrl);
    const sessionId = (await ws.next('session.created')).session.id as string;
    await ws.next('response.done', undefined, 15_000);
    const during = await scrape(srv);
    assert.equal(total(during, 'parley_sessions_active', WS), 1, 'one live session');
    assert.equal(total(during, 'parley_sessions_started_total', WS), total(before, 'parley_sessions_started_total', WS) + 1);

    const speech = audio.speech("I'd like to book a consultation next Tuesday at ten a.m.", 0.5, 1.2, 24000);
    await streamRealtime(ws, mix(speech, whiteNoise(speech.length), MIC_FLOOR_RMS));
    await ws.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 15_000);
    const answer = await ws.next('response.done', (e) => /You're all set/.test(spokenText(e.response)), 15_000);
    assert.equal(answer.response.status, 'completed');
    await ws.close();
    await until('the session has ended', async () => total(await scrape(srv), 'parley_sessions_active', WS) === 0);

    const m = await scrape(srv);
    const record = (await store.records.session(sessionId)) as SessionDetail;
    assert.ok(record, 'the session was recorded');
    assert.equal(total(m, 'parley_sessions_started_total', WS), total(before, 'parley_sessions_started_total', WS) + 1, 'started once');
    assert.equal(total(m, 'parley_sessions_ended_total', WS), total(before, 'parley_sessions_ended_total', WS) + 1, 'ended once');
    assert.equal(total(m, 'parley_sessions_ended_total', { ...WS, reason: 'client_closed' }), total(before, 'parley_sessions_ended_total', { ...WS, reason: 'client_closed' }) + 1, `"${record.endReason}" counts as client_closed`);

    // The one spoken turn (the greeting is not one): each segment observed once, at the latency the record holds.
    assert.equal(record.turns.length, 1);
    const turn = record.turns[0]!;
    assert.ok(turn.transcriptMs !== null && turn.firstOutputMs !== null && turn.firstAudioMs !== null, `a complete turn: ${JSON.stringify(turn)}`);
    assert.ok(turn.firstAudioMs > turn.transcriptMs && turn.firstAudioMs < 10_000, `plausible: transcript ${turn.transcriptMs} ms, first audio ${turn.firstAudioMs} ms`);
    assertOneObservation(m, 'parley_turn_segment_seconds', { ...WS, segment: 'transcript' }, turn.transcriptMs / 1000);
    assertOneObservation(m, 'parley_turn_segment_seconds', { ...WS, segment: 'first_output' }, turn.firstOutputMs / 1000);
    assertOneObservation(m, 'parley_turn_segment_seconds', { ...WS, segment: 'first_audio' }, turn.firstAudioMs / 1000);
    assertOneObservation(m, 'parley_voice_to_voice_seconds', WS, turn.firstAudioMs / 1000);
    // The summary's quantiles of one observation are that observation.
    assert.equal(total(m, 'parley_voice_to_voice_recent_seconds_count', WS), 1);
    for (const q of ['0.5', '0.95', '0.99']) {
      const v = total(m, 'parley_voice_to_voice_recent_seconds', { ...WS, quantile: q });
      assert.ok(Math.abs(v - turn.firstAudioMs / 1000) <= MS_ROUNDING_S, `p${Number(q) * 100} = ${v}`);
    }

    // The tool call, as long as the runner measured it.
    assert.equal(record.toolCalls.length, 1);
    const call = record.toolCalls[0]!;
    assert.equal(call.error, null);
    assert.equal(total(m, 'parley_tool_seconds_count', { tool: 'book_appointment', outcome: 'ok' }), 1);
    assert.equal(total(m, 'parley_tool_seconds_sum', { tool: 'book_appointment', outcome: 'ok' }), call.latencyMs / 1000);

    // Every response's usage (greeting, the call, the answer), split by kind; the embedded engine is free.
    const local = { engine: 'local', model: 'parley-local' };
    assert.ok(record.usage.length >= 3, `${record.usage.length} responses recorded`);
    assert.equal(total(m, 'parley_tokens_total', { ...local, kind: 'input' }), record.usage.reduce((n, u) => n + u.inputTokens, 0));
    assert.equal(total(m, 'parley_tokens_total', { ...local, kind: 'output' }), record.usage.reduce((n, u) => n + u.outputTokens, 0));
    assert.ok(total(m, 'parley_tokens_total', { ...local, kind: 'output', modality: 'audio' }) > 0, 'the agent spoke');
    assert.equal(total(m, 'parley_output_tokens_per_second_count', local), record.usage.filter((u) => u.outputTokens > 0).length);
    assert.ok(total(m, 'parley_output_tokens_per_second_sum', local) > 0);
    assert.deepEqual(select(m, 'parley_cost_usd_total').map((s) => [s.labels.model, s.value]), [['parley-local', 0]]);
  });

  it('the node: its capacity and state, and the process (event-loop lag, memory)', async () => {
    const m = await scrape(srv);
    assert.equal(total(m, 'parley_node_max_sessions'), srv.config.limits.maxSessions);
    assert.equal(select(m, 'parley_node_draining')[0]?.value, 0);
    assert.equal(select(m, 'parley_node_full')[0]?.value, 0);
    for (const name of ['nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      const [lag] = select(m, name);
      assert.ok(lag && Number.isFinite(lag.value) && lag.value >= 0 && lag.value < 5, `${name} = ${lag?.value}`);
    }
    assert.ok(total(m, 'process_resident_memory_bytes') > 10 * 2 ** 20, 'RSS in bytes');
    assert.ok(total(m, 'nodejs_active_handles_total') >= 1, 'the listening socket at least');
  });
});

describe('phone calls in the metrics (Twilio simulator)', { skip }, () => {
  let net: TwilioNetwork;
  let srv: TwilioTestServer;
  const PHONE = { transport: 'twilio', engine: 'local' };
  before(async () => {
    net = await TwilioNetwork.start({ authToken: TWILIO_AUTH_TOKEN, accountSid: TWILIO_ACCOUNT_SID });
    srv = await startTwilioServer({ engine: { default: 'local' }, twilio: { accountSid: TWILIO_ACCOUNT_SID, apiUrl: net.restUrl } });
  });
  after(async () => {
    await srv.close();
    await net.close();
  });

  it("a call: the caller's frames lost on the way, how late the greeting's frames left, the hang-up", async () => {
    const call = await net.call({ baseUrl: srv.publicUrl, from: '+15550100301', to: '+15550100000' });
    await call.waitForMarks(25, 15_000);
    assert.equal(total(await scrape(srv), 'parley_sessions_active', PHONE), 1);
    call.gap(200);
    await call.waitForMarks(75, 15_000);
    await call.hangUp();
    await until('the call has ended', async () => total(await scrape(srv), 'parley_sessions_active', PHONE) === 0);

    const m = await scrape(srv);
    const dropped = total(m, 'parley_audio_frames_dropped_total', { transport: 'twilio', direction: 'inbound' });
    // 200 ms are ten 20 ms frames (more only if the simulated network also lost some under load).
    assert.ok(dropped >= 10 && dropped < 30, `${dropped} inbound frames counted as dropped`);
    const batches = total(m, 'parley_audio_outbound_lateness_seconds_count', { transport: 'twilio' });
    assert.ok(batches >= 20, `75 frames played went out in ${batches} batches`);
    const meanMs = (total(m, 'parley_audio_outbound_lateness_seconds_sum', { transport: 'twilio' }) / batches) * 1000;
    assert.ok(meanMs >= 0 && meanMs < 80, `on average ${meanMs.toFixed(2)} ms late: within the 80 ms lead`);
    assert.equal(total(m, 'parley_sessions_ended_total', { ...PHONE, reason: 'client_closed' }), 1, 'the caller hung up');
  });
});

describe('/metrics switched off', () => {
  it('is not served', async () => {
    const srv = await startTestServer({ telemetry: { metrics: false } });
    try {
      assert.equal((await fetch(`${srv.url}/metrics`)).status, 404);
    } finally {
      await srv.close();
    }
  });
});
