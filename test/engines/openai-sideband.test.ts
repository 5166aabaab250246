import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionTokens, tokenKey } from '../../src/auth/session-token.js';
import OpenAI from 'openai';
import pino from 'pino';
import { AgentSchema, type Agent, type AgentInput } from '../../src/agents/index.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { EngineRegistry } from '../../src/engines/engine.js';
import { createOpenAIEngine } from '../../src/engines/openai/index.js';
import { parseServerEvent } from '../../src/protocol/schemas/index.js';
import type { SessionServices } from '../../src/session/open-session.js';
import type { RealtimeSession, SessionEnd } from '../../src/session/realtime-session.js';
import { SessionRegistry } from '../../src/session/registry.js';
import { openSidebandSession, SidebandSessionError } from '../../src/session/sideband-session.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { HANGUP_REASON } from '../../src/transports/realtime-ws/calls-route.js';
import { RawClient, refusedUpgrade, type Json, spokenText } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/*
 * OpenAI's sideband (doc §1.3–1.4): a browser holds a WebRTC call with OpenAI directly, and the
 * server attaches to it with `wss://…/v1/realtime?call_id=<id>` and a standard API key, to run
 * tools, keep records and enforce limits; `POST /v1/realtime/calls/<id>/hangup` ends the call.
 * Both sides are Parley here: the upstream ("OpenAI") is a bare Parley on the embedded engine,
 * which, like OpenAI, turns the tools a session declares into function calls to its clients;
 * the downstream runs an agent on the `openai` engine pointed at it.
 *
 * WebRTC itself is out of scope: the "browser" is a WebSocket on the upstream's /v1/realtime,
 * standing in for both the media track and the `oai-events` data channel; its session id is
 * the call id (as the last segment of `Location` after `POST /v1/realtime/calls` would be).
 * It presents the upstream's key, where a real browser would present a client secret (ek_…).
 */

const KEY = 'sk-parley-sideband-test-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const DOWNSTREAM_ADMIN = 'downstream-admin-key-0123456789';
const INSTRUCTIONS = 'You are the receptionist of Maple Street Clinic. Book, check and cancel appointments with your tools.';
const BOOKING = "I'd like to book a consultation next Tuesday at 10 am";

const agentWith = (over: Partial<AgentInput> = {}): Agent =>
  AgentSchema.parse({
    name: 'front-desk',
    description: 'The clinic receptionist, on calls the browser holds with the model directly.',
    instructions: INSTRUCTIONS,
    engine: 'openai',
    voice: 'marin',
    tools: ['check_availability', 'book_appointment', 'cancel_appointment', 'end_call'],
    // The browser talks in text here; no VAD idle prompts to race the assertions.
    turnDetection: 'push_to_talk',
    ...over,
  });

const userText = (text: string) => ({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });

/** What a response said: its messages' text or audio transcript. */

const waitUntil = async (cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

describe('the sideband: an agent on the openai engine attached to a call on another Parley', () => {
  let upstream: TestServer;
  /** Between the downstream and the upstream, to drop the sideband at will. */
  let proxy: TcpProxy;
  let store: Store;
  let svc: SessionServices;
  const sessions = new SessionRegistry();
  const browsers: RawClient[] = [];

  before(async () => {
    upstream = await startTestServer({ engine: { default: 'local' }, server: { apiKey: KEY } });
    proxy = await TcpProxy.start(Number(new URL(upstream.url).port));
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const engines = new EngineRegistry().register(
      createOpenAIEngine({
        apiKey: KEY,
        baseUrl: `http://127.0.0.1:${proxy.port}/v1`,
        heartbeatIntervalMs: 0,
        connectTimeoutMs: 3000,
        seedTimeoutMs: 3000,
        reconnect: { initialDelayMs: 20, maxDelayMs: 80, maxAttempts: 3, jitter: 0.2 },
      }),
    );
    store = await openStore({ dataDir: 'memory://' });
    svc = { config: ConfigSchema.parse({ engine: { default: 'openai' } }), engines, store, logger };
  });
  after(async () => {
    await sessions.endAll('test finished', 1001);
    await Promise.all(browsers.map((b) => b.close()));
    await upstream.close();
    await proxy.close();
    await store.close();
  });

  /** A call: the browser's connection to the upstream, and its id. */
  const openCall = async (): Promise<{ browser: RawClient; callId: string }> => {
    const browser = await RawClient.connect(upstream.wsUrl, { headers: AUTH });
    browsers.push(browser);
    const created = await browser.next('session.created');
    return { browser, callId: created.session.id as string };
  };

  /** What each downstream session emitted (its runtime's view of the call). */
  const seenDownstream = new Map<string, Json[]>();

  /** The downstream attaches the agent to the call; registered as the function's caller must. */
  const attach = async (callId: string, agent = agentWith()): Promise<RealtimeSession> => {
    const session = await openSidebandSession(svc, { agent, callId, callerId: '+15550100', logger: svc.logger });
    const seen: Json[] = [];
    seenDownstream.set(session.id, seen);
    session.onEvent((e) => void seen.push(e as unknown as Json));
    sessions.add(session);
    return session;
  };

  /** The downstream has seen this response end too (its sideband runs beside the browser's connection). */
  const downstreamSaw = (session: RealtimeSession, responseId: string): Promise<void> =>
    waitUntil(() => (seenDownstream.get(session.id) ?? []).some((e) => e.type === 'response.done' && e.response.id === responseId), `the downstream to see ${responseId} end`);

  it('a booking in the call: the model calls the tool, the downstream runs it and answers through the sideband, the browser hears the answer; records on the downstream; Parley’s end hangs the call up', async () => {
    const { browser, callId } = await openCall();
    const session = await attach(callId);

    // The agent's session went up the sideband and is in force on the call.
    const applied = await browser.next('session.updated', (e) => e.session.instructions === INSTRUCTIONS);
    assert.deepEqual(applied.session.tools.map((t: Json) => t.name).sort(), ['book_appointment', 'cancel_appointment', 'check_availability', 'end_call']);
    assert.equal(applied.session.audio.output.voice, 'marin');

    browser.send(userText(BOOKING));
    browser.send({ type: 'response.create' });
    const call = await browser.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 10_000);
    const args = JSON.parse(call.arguments as string) as Record<string, string>;
    assert.equal(args.service, 'consultation');
    assert.equal(args.time, '10:00');
    // The result arrives as the protocol's function_call_output item, then the answer the downstream asked for.
    const output = await browser.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id, 10_000);
    const booked = JSON.parse(output.item.output as string).appointment as { id: string; date: string };
    assert.equal(booked.date, args.date);
    const answer = await browser.next('response.done', (e) => /You're all set/.test(spokenText(e.response)), 20_000);
    assert.match(spokenText(answer.response), /consultation .* at 10 a\.m\./);

    // The tool ran on the downstream, against its own database.
    const row = await store.business.appointment(booked.id);
    assert.equal(row?.status, 'booked');
    assert.equal(row?.service, 'consultation');
    assert.equal(row?.time, '10:00');

    // The browser saw the protocol and nothing else: known GA events, no errors, nothing of the downstream's own.
    const unknown = browser.events.filter((e) => !parseServerEvent(e).known).map((e) => e.type);
    assert.deepEqual(unknown, [], 'every event the browser got is a documented GA server event');
    assert.deepEqual(browser.events.filter((e) => e.type === 'error'), []);
    const seen = JSON.stringify(browser.events);
    assert.ok(!seen.includes(session.id), 'the downstream’s session id never reaches the browser');
    assert.ok(!seen.includes('tool_call_handled_by_server'));
    // The media path: the spoken answer reached the browser as audio.
    assert.ok(browser.events.some((e) => e.type === 'response.output_audio.delta' && e.response_id === answer.response.id), 'the browser hears the answer');

    // Parley ends the session (as a goodbye or a limit would): the call is hung up, the browser's connection closes.
    await downstreamSaw(session, answer.response.id as string);
    await session.end({ reason: 'test: the agent is done', code: 1000 });
    const closed = await within(browser.closed, 5000, 'the browser’s connection to close');
    assert.deepEqual(closed, { code: 1000, reason: HANGUP_REASON });

    const detail = await store.records.session(session.id);
    assert.ok(detail);
    assert.equal(detail.transport, 'sideband');
    assert.equal(detail.engine, 'openai');
    assert.equal(detail.callerId, '+15550100');
    assert.equal(detail.endReason, 'test: the agent is done');
    const said = detail.transcript.map((t) => [t.role, t.text]);
    assert.deepEqual(said.find(([role]) => role === 'user'), ['user', BOOKING], 'the caller’s side');
    assert.ok(said.some(([role, text]) => role === 'assistant' && /You're all set/.test(text ?? '')), `the agent’s side: ${JSON.stringify(said)}`);
    assert.deepEqual(
      detail.toolCalls.map((c) => [c.name, c.callId, c.error]),
      [['book_appointment', call.call_id, null]],
    );
    assert.ok(detail.usage.length >= 2, 'usage of the call and the answer');
    assert.ok(detail.totals.inputTokens > 0 && detail.totals.outputTokens > 0);
  });

  it('a duration limit: the agent says goodbye in the call, the downstream hangs up, the browser’s connection closes', async () => {
    const { browser, callId } = await openCall();
    const session = await attach(callId, agentWith({ limits: { maxDurationS: 10 } }));
    const ended = new Promise<SessionEnd>((resolve) => session.onEnd(resolve));
    const bye = await browser.next('response.done', (e) => /reached the limit for this call/.test(spokenText(e.response)), 25_000);
    assert.equal(bye.response.status, 'completed');
    const closed = await within(browser.closed, 10_000, 'the browser’s connection to close');
    assert.deepEqual(closed, { code: 1000, reason: HANGUP_REASON });
    assert.deepEqual(await ended, { reason: 'max_duration', code: 1000 });
    await waitUntil(async () => Boolean((await store.records.session(session.id))?.endedAt), 'the record to end');
    assert.equal((await store.records.session(session.id))?.endReason, 'max_duration');
  });

  it('the caller hangs up: the downstream session ends at once, cleanly, without trying to re-attach', async () => {
    const { browser, callId } = await openCall();
    const session = await attach(callId);
    await browser.next('session.updated', (e) => e.session.instructions === INSTRUCTIONS);
    const ended = new Promise<SessionEnd>((resolve) => session.onEnd(resolve));
    const attempts = proxy.accepted;
    await browser.close();
    const end = await within(ended, 3000, 'the downstream session to end');
    assert.equal(end.code, 1000);
    assert.match(end.reason, /^call ended: .*code 1000: client closed \(\d+\)/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(proxy.accepted, attempts, 'no re-attach to a call that is over');
    await waitUntil(async () => Boolean((await store.records.session(session.id))?.endedAt), 'the record to end');
  });

  it('the sideband drops: the call goes on; the engine re-attaches to the same call without re-seeding it, and the next booking still runs on the downstream', async () => {
    const { browser, callId } = await openCall();
    const session = await attach(callId);
    await browser.next('session.updated', (e) => e.session.instructions === INSTRUCTIONS);
    browser.send(userText('Hello'));
    browser.send({ type: 'response.create' });
    await browser.next('response.done', undefined, 15_000);
    const itemsBefore = browser.events.filter((e) => e.type === 'conversation.item.added').length;

    const accepted = proxy.accepted;
    proxy.cut();
    await proxy.waitForAccepted(accepted + 1);
    // The re-attached sideband re-applies the agent's session, and nothing else.
    await browser.next('session.updated', (e) => e.session.instructions === INSTRUCTIONS, 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(browser.events.filter((e) => e.type === 'conversation.item.added').length, itemsBefore, 'no item re-created in the call');

    browser.send(userText("I'd like to book a check-up next Wednesday at 11 am"));
    browser.send({ type: 'response.create' });
    const call = await browser.next('response.function_call_arguments.done', (e) => e.name === 'book_appointment', 10_000);
    await browser.next('response.done', (e) => /You're all set/.test(spokenText(e.response)), 20_000);
    await session.end({ reason: 'test finished', code: 1000 });
    const detail = await store.records.session(session.id);
    assert.deepEqual(
      detail?.toolCalls.map((c) => [c.name, c.callId, c.error]),
      [['book_appointment', call.call_id, null]],
    );
    const closed = await within(browser.closed, 5000, 'the browser’s connection to close');
    assert.equal(closed.reason, HANGUP_REASON);
  });

  it('refuses what it cannot do: an agent on another engine, a malformed id; an unknown call fails to open, quoting the 404', async () => {
    await assert.rejects(
      openSidebandSession(svc, { agent: agentWith({ engine: 'local' }), callId: 'rtc_123', callerId: null, logger: svc.logger }),
      (err: unknown) => err instanceof SidebandSessionError && err.code === 'sideband_needs_openai_engine',
    );
    await assert.rejects(
      openSidebandSession(svc, { agent: agentWith(), callId: 'rtc 1/2', callerId: null, logger: svc.logger }),
      (err: unknown) => err instanceof SidebandSessionError && err.code === 'invalid_call_id',
    );
    await assert.rejects(openSidebandSession(svc, { agent: agentWith(), callId: 'rtc_gone', callerId: null, logger: svc.logger }), /no live call 'rtc_gone' \(HTTP 404\)/);
  });
});

describe('Parley as the call’s server: /v1/realtime?call_id= and POST /v1/realtime/calls/:id/hangup', () => {
  let upstream: TestServer;
  const clients: RawClient[] = [];
  const auth = AUTH;

  before(async () => {
    upstream = await startTestServer({ engine: { default: 'local' }, server: { apiKey: KEY } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await upstream.close();
  });

  const connect = async (url: string, headers: Record<string, string> = {}): Promise<RawClient> => {
    const c = await RawClient.connect(url, { headers });
    clients.push(c);
    return c;
  };

  it('refuses before the upgrade: no key or a wrong one 401, an unknown call 404 call_not_found, a model beside the call 400', async () => {
    const browser = await connect(upstream.wsUrl, auth);
    const callId = (await browser.next('session.created')).session.id as string;
    const sideband = `${upstream.wsUrl}?call_id=${callId}`;
    assert.deepEqual(await refusedUpgrade(sideband), { status: 401, code: 'missing_credential' });
    assert.deepEqual(await refusedUpgrade(sideband, { headers: { authorization: 'Bearer sk-not-the-key-000000000' } }), { status: 401, code: 'invalid_credential' });
    assert.deepEqual(await refusedUpgrade(`${upstream.wsUrl}?call_id=rtc_unknown`, { headers: auth }), { status: 404, code: 'call_not_found' });
    assert.deepEqual(await refusedUpgrade(`${sideband}&model=gpt-realtime`, { headers: auth }), { status: 400, code: 'invalid_value' });
    // A browser-style key in the subprotocol counts like the header.
    const viaProtocol = await RawClient.connect(sideband, { protocols: ['realtime', `openai-insecure-api-key.${KEY}`] });
    clients.push(viaProtocol);
    await viaProtocol.next('session.created');
  });

  it('a sideband gets the call’s session as it is now, then every event but the audio deltas; its events go into the call; several may attach; its close leaves the call running; the call’s end closes them all', async () => {
    const browser = await connect(upstream.wsUrl, auth);
    const callId = (await browser.next('session.created')).session.id as string;
    browser.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.' } });
    await browser.next('session.updated');

    const a = await connect(`${upstream.wsUrl}?call_id=${callId}`, auth);
    const created = await a.next('session.created');
    assert.equal(a.events[0]?.type, 'session.created', 'session.created comes first');
    assert.equal(created.session.id, callId);
    assert.equal(created.session.instructions, 'Be brief.', 'the session as it is now, not as it started');

    // The sideband's events go into the call exactly like the caller's; both sides see the outcome.
    a.send(userText('Hello'));
    a.send({ type: 'response.create' });
    const doneA = await a.next('response.done', undefined, 15_000);
    const doneB = await browser.next('response.done', (e) => e.response.id === doneA.response.id, 15_000);
    assert.equal(doneB.response.status, 'completed');
    assert.ok(browser.events.some((e) => e.type === 'conversation.item.added' && e.item.role === 'user'), 'the browser sees the sideband’s item');
    assert.ok(browser.types().includes('response.output_audio.delta'), 'the media path carries the audio');
    assert.ok(!a.types().includes('response.output_audio.delta'), 'the sideband does not');
    assert.ok(a.types().includes('response.output_audio_transcript.delta'), 'but it sees what is said');

    // A second sideband; the first leaves; the call and the second go on.
    const b = await connect(`${upstream.wsUrl}?call_id=${callId}`, auth);
    await b.next('session.created');
    await a.close();
    browser.send(userText('When are you open'));
    browser.send({ type: 'response.create' });
    const open = await b.next('response.done', undefined, 15_000);
    assert.match(spokenText(open.response), /open/i);
    await browser.next('response.done', (e) => e.response.id === open.response.id, 15_000);

    // The caller leaves: the call ends and closes every sideband with its code and reason.
    await browser.close();
    const gone = await within(b.closed, 3000, 'the sideband to close');
    assert.equal(gone.code, 1000);
    assert.match(gone.reason, /^client closed \(\d+\)$/, 'the call’s own reason');
  });

  it('hangup: the SDK’s realtime.calls.hangup ends the call (200, empty body) and every connection closes; an unknown or ended call is 404 call_not_found; no key 401', async () => {
    const browser = await connect(upstream.wsUrl, auth);
    const callId = (await browser.next('session.created')).session.id as string;
    const sideband = await connect(`${upstream.wsUrl}?call_id=${callId}`, auth);
    await sideband.next('session.created');

    const anonymous = await fetch(`${upstream.url}/v1/realtime/calls/${callId}/hangup`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, 'missing_credential');

    const client = new OpenAI({ apiKey: KEY, baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    assert.equal(await client.realtime.calls.hangup(callId), '', 'an empty 200, as OpenAI answers');
    assert.deepEqual(await within(browser.closed, 3000, 'the browser to close'), { code: 1000, reason: HANGUP_REASON });
    assert.deepEqual(await within(sideband.closed, 3000, 'the sideband to close'), { code: 1000, reason: HANGUP_REASON });

    for (const id of [callId, 'rtc_unknown']) {
      const res = await fetch(`${upstream.url}/v1/realtime/calls/${id}/hangup`, { method: 'POST', headers: auth });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'call_not_found');
    }
    await assert.rejects(client.realtime.calls.hangup('rtc_unknown'), OpenAI.NotFoundError);
  });
});

describe('POST /api/session/call: a browser hands its direct call to Parley', () => {
  const TOKEN_SECRET = 'sideband-attach-token-secret-0123456789abcdef';
  let upstream: TestServer;
  let downstream: TestServer;
  let dir: string;
  let store: Store;
  const browsers: RawClient[] = [];

  before(async () => {
    upstream = await startTestServer({ engine: { default: 'local' }, server: { apiKey: KEY } });
    dir = mkdtempSync(join(tmpdir(), 'parley-attach-'));
    writeFileSync(join(dir, 'relay.yaml'), `name: relay\ndescription: Attach test.\ninstructions: ${INSTRUCTIONS}\nengine: openai\naccess: key\ntools:\n  - check_availability\n  - book_appointment\n`);
    const engines = new EngineRegistry().register(createOpenAIEngine({ apiKey: KEY, baseUrl: `${upstream.url}/v1`, heartbeatIntervalMs: 0, connectTimeoutMs: 3000, seedTimeoutMs: 3000 }));
    store = await openStore({ dataDir: 'memory://' });
    downstream = await startTestServer({ engine: { default: 'openai' }, agents: { default: 'relay' }, server: { apiKey: DOWNSTREAM_ADMIN, tokenSecret: TOKEN_SECRET } }, { agentsDir: dir, store, engines });
  });
  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await downstream.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (): Promise<{ browser: RawClient; callId: string }> => {
    const browser = await RawClient.connect(upstream.wsUrl, { headers: AUTH });
    browsers.push(browser);
    return { browser, callId: (await browser.next('session.created')).session.id as string };
  };
  const attach = (body: Record<string, unknown>, credential: string) =>
    fetch(`${downstream.url}/api/session/call`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` }, body: JSON.stringify(body) });

  it("with the session token it was given: the session keeps the token's id and caller, the agent's tools run downstream, a second attach is 409", async () => {
    const { browser, callId } = await call();
    const sid = 'sess_attachtoken1';
    const token = new SessionTokens(tokenKey(TOKEN_SECRET)).sign({ agent: 'relay', sid, exp: Math.floor(Date.now() / 1000) + 60, iss: 'env', quota: null, caller: '+15550111' });
    const res = await attach({ call_id: callId }, token);
    assert.equal(res.status, 201, await res.clone().text());
    assert.deepEqual(await res.json(), { session_id: sid, call_id: callId, agent: 'relay' });
    await browser.next('session.updated', (e) => e.session.instructions === INSTRUCTIONS);
    browser.send(userText(BOOKING));
    browser.send({ type: 'response.create' });
    const output = await browser.next('conversation.item.added', (e) => e.item.type === 'function_call_output', 15_000);
    assert.match(output.item.output, /booked|appointment/i, 'the downstream ran book_appointment and answered through the sideband');
    await waitUntil(async () => ((await store.records.session(sid))?.toolCalls.length ?? 0) === 1, 'the tool call record downstream', 10_000);
    const record = await store.records.session(sid);
    assert.equal(record?.transport, 'sideband');
    assert.equal(record?.callerId, '+15550111');
    const again = await attach({ call_id: callId }, token);
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'call_already_attached');
    await downstream.server.sessions.get(sid)?.end({ reason: 'test done', code: 1000 });
  });

  it('with an API key; an unknown call is 502 with the upstream\'s reason; no credential is 401', async () => {
    const { callId } = await call();
    const res = await attach({ call_id: callId, agent: 'relay', caller_id: 'crm-42' }, DOWNSTREAM_ADMIN);
    assert.equal(res.status, 201);
    const { session_id } = (await res.json()) as { session_id: string };
    assert.equal((await store.records.session(session_id))?.callerId, 'crm-42');
    await downstream.server.sessions.get(session_id)?.end({ reason: 'test done', code: 1000 });
    const unknown = await attach({ call_id: 'sess_nosuchcall', agent: 'relay' }, DOWNSTREAM_ADMIN);
    assert.equal(unknown.status, 502);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /call_not_found|404|No live call/);
    const anonymous = await fetch(`${downstream.url}/api/session/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_id: callId }) });
    assert.equal(anonymous.status, 401);
  });
});
