import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Engine, EngineContext } from '../../src/engines/engine.js';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import { mergeHistory } from '../../src/engines/openai/history-merge.js';
import { planReseed } from '../../src/engines/openai/reseed.js';
import {
  backoffDelayMs,
  createOpenAIEngine,
  DEFAULT_BASE_URL,
  OpenAIEngineError,
  openaiEngineConfigFromEnv,
  realtimeUrl,
  type OpenAIEngineOptions,
} from '../../src/engines/openai/index.js';
import { validateClientEvent } from '../../src/protocol/parse.js';
import type { Item, SessionConfig } from '../../src/protocol/schemas/index.js';
import type { Json } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const KEY = 'sk-openai-engine-test-5566778899';
const LIMITS = { maxConversationItems: 1000, maxConversationAudioBytes: 64 * 1024 * 1024, maxInputBufferBytes: 48 * 1024 * 1024, responsesPerMinute: 1000, tokensPerMinute: 10_000_000 };
const WEATHER = { type: 'function', name: 'get_weather', description: 'Current weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const INSTRUCTIONS = 'You are a weather bot. Answer briefly.';

/** The agent's session: text answers (the echo model has no voice), one tool. */
const agentSession = (): SessionConfig => defaultSessionConfig('gpt-realtime', { instructions: INSTRUCTIONS, output_modalities: ['text'], tools: [WEATHER] } as unknown as Partial<SessionConfig>);

/** Records what an engine emits and lets a test wait for it. */
class Listener {
  readonly events: Json[] = [];
  /** Arrival time of each event (Date.now()), index for index. */
  readonly times: number[] = [];
  readonly closes: { code: string; reason: string }[] = [];
  private wakers: (() => void)[] = [];

  constructor(readonly engine: Engine) {
    engine.onEvent((e) => {
      this.events.push(e as unknown as Json);
      this.times.push(Date.now());
      this.wake();
    });
    engine.onClose((info) => {
      this.closes.push(info);
      this.wake();
    });
  }

  /** Validates as the transport does, then sends. */
  send(event: Record<string, unknown>): void {
    const parsed = validateClientEvent(event);
    if (!parsed.ok) throw new Error(`invalid client event: ${parsed.error.message}`);
    this.engine.send(parsed.event);
  }

  async until<T>(find: () => T | undefined, what: string, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got: ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.wakers.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first event of `type` at or after index `from` that matches. */
  next(type: string, pred: (e: Json) => boolean = () => true, from = 0, ms = 5000): Promise<Json> {
    return this.until(() => this.events.slice(from).find((e) => e.type === type && pred(e)), type, ms);
  }

  of(type: string): Json[] {
    return this.events.filter((e) => e.type === type);
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }
}

/** Log lines as objects, to wait for the engine's own account of what it did. */
function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }), lines };
}

interface Tapped {
  generation: number;
  event: Json;
}

interface Opened {
  engine: Engine;
  l: Listener;
  ctx: EngineContext;
  taps: Tapped[];
  logs: Record<string, unknown>[];
}

const fast: Partial<OpenAIEngineOptions> = {
  heartbeatIntervalMs: 0,
  connectTimeoutMs: 2000,
  seedTimeoutMs: 2000,
  reconnect: { initialDelayMs: 20, maxDelayMs: 80, maxAttempts: 4, jitter: 0.2 },
};

async function openEngine(port: number, opts: { history?: () => Promise<Item[]>; options?: Partial<OpenAIEngineOptions> } = {}): Promise<Opened> {
  const taps: Tapped[] = [];
  const { logger, lines } = captureLogs();
  const factory = createOpenAIEngine({
    apiKey: KEY,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    ...fast,
    ...opts.options,
    tap: (event, info) => void taps.push({ generation: info.generation, event: event as Json }),
  });
  const ctx: EngineContext = { session: agentSession(), limits: LIMITS, logger, ...(opts.history ? { history: opts.history } : {}) };
  const engine = await factory.create(ctx);
  const l = new Listener(engine);
  engine.start();
  return { engine, l, ctx, taps, logs: lines };
}

const userText = (text: string) => ({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });

/** The text of a response's first output message. */
function textOf(done: Json): string {
  const msg = (done.response.output as Json[]).find((i) => i.type === 'message');
  const part = msg?.content?.[0] as { text?: string; transcript?: string } | undefined;
  return part?.text ?? part?.transcript ?? '';
}

/** A user line and a response to it; resolves with its `response.done`. */
async function turn(l: Listener, text: string, response?: Record<string, unknown>): Promise<Json> {
  const from = l.events.length;
  l.send(userText(text));
  l.send(response ? { type: 'response.create', response } : { type: 'response.create' });
  return l.next('response.done', () => true, from);
}

const waitLog = (o: Opened, msg: string, ms = 5000): Promise<Record<string, unknown>> => o.l.until(() => o.logs.find((x) => x.msg === msg), `log "${msg}"`, ms);

describe('openai engine against a second Parley (echo, bare engine) as its upstream', () => {
  let upstream: TestServer;
  let upstreamPort: number;
  let proxy: TcpProxy;
  const engines: Engine[] = [];

  before(async () => {
    upstream = await startTestServer({ engine: { default: 'echo' } });
    upstreamPort = Number(new URL(upstream.url).port);
  });
  after(() => upstream.close());
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close('test finished')));
    await proxy?.close();
  });

  const open = async (opts: Parameters<typeof openEngine>[1] = {}): Promise<Opened> => {
    proxy = await TcpProxy.start(upstreamPort);
    const o = await openEngine(proxy.port, opts);
    engines.push(o.engine);
    return o;
  };

  it('applies the agent’s session upstream; the caller sees one session.created, under our id', async () => {
    const o = await open();
    const upstreamCreated = o.taps.find((t) => t.event.type === 'session.created')?.event;
    const upstreamUpdated = o.taps.find((t) => t.event.type === 'session.updated')?.event;
    assert.ok(upstreamCreated && upstreamUpdated, 'the upstream opened a session and answered the session.update');
    assert.equal(upstreamUpdated.session.instructions, INSTRUCTIONS);
    assert.deepEqual(upstreamUpdated.session.tools.map((t: Json) => t.name), ['get_weather']);
    assert.deepEqual(upstreamUpdated.session.output_modalities, ['text']);
    assert.equal(upstreamUpdated.session.model, 'gpt-realtime', 'the model travels in the URL');

    const created = o.l.of('session.created');
    assert.equal(created.length, 1);
    assert.equal(o.l.events[0]?.type, 'session.created', 'session.created comes first');
    assert.equal(created[0]?.session.id, o.ctx.session.id, 'our session id, not the upstream’s');
    assert.notEqual(created[0]?.session.id, upstreamCreated.session.id);
    assert.equal(created[0]?.session.instructions, INSTRUCTIONS);
    assert.ok(!JSON.stringify(o.l.events).includes(upstreamCreated.session.id as string), 'the upstream’s session id never reaches the caller');
    assert.deepEqual(o.l.events.map((e) => e.type), ['session.created'], 'the echo of the set-up (session.updated) is not passed on');

    // A session.update the caller sends does come back, under our id.
    o.l.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.' } });
    const updated = await o.l.next('session.updated');
    assert.equal(updated.session.id, o.ctx.session.id);
    assert.equal(updated.session.instructions, 'Be brief.');
  });

  it('round-trips a text turn and a function call turn', async () => {
    const o = await open();
    const first = await turn(o.l, 'hello there');
    assert.equal(first.response.status, 'completed');
    assert.equal(textOf(first), 'You said: hello there');

    const second = await turn(o.l, 'call get_weather {"city":"Paris"}');
    assert.equal(second.response.status, 'completed');
    const call = (second.response.output as Json[])[0] as Json;
    assert.equal(call.type, 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments as string), { city: 'Paris' });

    const from = o.l.events.length;
    o.l.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' } });
    o.l.send({ type: 'response.create' });
    const third = await o.l.next('response.done', () => true, from);
    assert.equal(third.response.status, 'completed');
    assert.equal(textOf(third), 'The get_weather tool returned: {"temp_c":18}');
    assert.equal(o.l.of('error').length, 0);
  });

  it('upstream cut mid-response: the caller is told, the answer fails, the engine reconnects, re-seeds and answers; the tool call is not emitted again', async () => {
    const o = await open();
    const hello = await turn(o.l, 'hello');
    const helloItemId = (o.l.events.find((e) => e.type === 'conversation.item.done' && e.item.role === 'user')?.item.id ?? '') as string;
    assert.ok(helloItemId);
    assert.equal(textOf(hello), 'You said: hello');
    const callDone = await turn(o.l, 'call get_weather {"city":"Oslo"}');
    const call = (callDone.response.output as Json[])[0] as Json;
    assert.equal(call.type, 'function_call');

    // The tool result and a slow answer; cut the upstream once the answer is streaming.
    const from = o.l.events.length;
    o.l.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":-3}' } });
    o.l.send({ type: 'response.create', response: { metadata: { echo_delay_ms: '30' } } });
    const delta = await o.l.next('response.output_text.delta', () => true, from);
    proxy.cut();

    const reconnecting = await o.l.next('error', (e) => e.error.code === 'upstream_reconnecting', from);
    assert.equal(reconnecting.error.type, 'server_error');
    assert.match(reconnecting.error.message as string, /reconnecting/);
    const failed = await o.l.next('response.done', (e) => e.response.id === delta.response_id, from);
    assert.equal(failed.response.status, 'failed');
    assert.equal(failed.response.status_details.error.code, 'upstream_reconnecting');

    // Asked again on the new upstream: the answer to the tool result, from the re-seeded conversation.
    const answer = await o.l.next('response.done', (e) => e.response.status === 'completed', from);
    assert.equal(textOf(answer), 'The get_weather tool returned: {"temp_c":-3}');
    assert.equal(proxy.accepted, 2, 'one new upstream connection');
    assert.ok((await waitLog(o, 'upstream reconnected; the conversation resumes')).attempt);

    // The new upstream holds the earlier conversation, under the same item ids.
    const before = o.l.events.length;
    o.l.send({ type: 'conversation.item.retrieve', item_id: helloItemId });
    const retrieved = await o.l.next('conversation.item.retrieved', () => true, before);
    assert.equal(retrieved.item.content[0].text, 'hello');
    assert.ok(o.taps.some((t) => t.generation === 2 && t.event.type === 'conversation.item.retrieved'), 'answered by the new upstream');
    const reseeded = o.taps.filter((t) => t.generation === 2 && t.event.type === 'conversation.item.done').map((t) => t.event.item as Json);
    assert.deepEqual(
      reseeded.slice(0, 5).map((i) => i.type + (i.role ? `:${i.role}` : '')),
      ['message:user', 'message:assistant', 'message:user', 'function_call', 'function_call_output'],
      'the whole conversation, in order, without the cut-off answer',
    );

    // The call made before the cut reached the caller once; its re-seeding was not passed on.
    const sameCall = (e: Json): boolean => e.item?.type === 'function_call' && e.item.call_id === call.call_id;
    assert.equal(o.l.events.filter((e) => e.type === 'response.output_item.done' && sameCall(e)).length, 1);
    assert.equal(o.l.events.filter((e) => e.type === 'conversation.item.done' && sameCall(e)).length, 1);
    assert.equal(o.l.events.filter((e) => e.type === 'conversation.item.added' && sameCall(e)).length, 1);
    assert.equal(o.l.of('session.created').length, 1);
    assert.equal(o.l.of('session.updated').length, 0, 'the re-applied session is not echoed');

    // The conversation goes on.
    const again = await turn(o.l, 'still there?');
    assert.equal(textOf(again), 'You said: still there?');
  });

  it('re-seeds from the session’s history (gaps filled from what the engine saw) with the caller’s session changes; events sent while reconnecting are held and replayed, audio dropped', async () => {
    const record: Item[] = [
      { id: 'item_record_user_1', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: 'remember the word kiwi' }] },
      { id: 'item_record_asst_1', type: 'message', role: 'assistant', content: [{ type: 'output_audio', transcript: 'Noted: kiwi.' }] },
    ] as Item[];
    const o = await open({ history: async () => record });
    const hello = await turn(o.l, 'only seen by the engine');
    const userId = o.l.events.find((e) => e.type === 'conversation.item.done' && e.item.role === 'user')?.item.id as string;
    const answerId = (hello.response.output as Json[])[0]?.id as string;
    // The record holds the answer as the caller heard it (cut short): its words win over the engine's.
    record.push({ id: answerId, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'You said: only' }] } as Item);
    o.l.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Speak like a pirate.' } });
    await o.l.next('session.updated');

    const from = o.l.events.length;
    proxy.cut();
    await o.l.next('error', (e) => e.error.code === 'upstream_reconnecting', from);
    // Sent during the outage: the retrieves wait, the audio is dropped.
    o.l.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(4800).toString('base64') });
    for (const id of ['item_record_user_1', userId, answerId]) o.l.send({ type: 'conversation.item.retrieve', item_id: id });

    await o.l.until(() => (o.l.events.slice(from).filter((e) => e.type === 'conversation.item.retrieved').length === 3 ? true : undefined), 'three retrieved items');
    const [kiwi, user, answer] = o.l.events.slice(from).filter((e) => e.type === 'conversation.item.retrieved');
    assert.deepEqual(kiwi?.item.content[0], { type: 'input_text', text: 'remember the word kiwi' }, 'from the record; audio re-seeded as its transcript');
    assert.equal(user?.item.content[0].text, 'only seen by the engine', 'not in the record: filled in from what the engine saw');
    assert.equal(answer?.item.content[0].text, 'You said: only', 'the record’s words win');
    const order = o.taps.filter((t) => t.generation === 2 && t.event.type === 'conversation.item.done').map((t) => t.event.item.id as string);
    assert.deepEqual(order.slice(0, 4), ['item_record_user_1', 'item_record_asst_1', userId, answerId]);
    const applied = o.taps.find((t) => t.generation === 2 && t.event.type === 'session.updated')?.event;
    assert.equal(applied?.session.instructions, 'Speak like a pirate.', 'the session as the caller last changed it');
    assert.deepEqual(applied?.session.tools.map((t: Json) => t.name), ['get_weather']);
    assert.equal(o.l.of('response.done').filter((e) => e.response.status === 'failed').length, 0, 'nothing was running, so nothing failed');
    assert.equal(o.l.of('session.updated').length, 1, 'only the caller’s own update came back');
    const log = await waitLog(o, 'upstream reconnected; the conversation resumes');
    assert.equal(log.dropped_audio_events, 1);
    assert.equal(log.replayed_events, 3);
  });

  it('a silent dead path is noticed by the heartbeat and reconnected', async () => {
    const o = await open({ options: { heartbeatIntervalMs: 100 } });
    assert.equal(textOf(await turn(o.l, 'before')), 'You said: before');
    proxy.stall();
    await o.l.next('error', (e) => e.error.code === 'upstream_reconnecting');
    assert.ok(o.logs.some((x) => x.msg === 'upstream missed a heartbeat; dropping the connection'));
    await waitLog(o, 'upstream reconnected; the conversation resumes');
    assert.equal(textOf(await turn(o.l, 'after')), 'You said: after');
  });

  it('gives up with upstream_unavailable once the attempts are spent', async () => {
    const o = await open({ options: { reconnect: { initialDelayMs: 10, maxDelayMs: 40, maxAttempts: 3, jitter: 0 } } });
    proxy.refuse = true;
    proxy.cut();
    const closed = await o.l.until(() => o.l.closes[0], 'onClose');
    assert.equal(closed.code, 'upstream_unavailable');
    assert.match(closed.reason, /after 3 attempts/);
    assert.equal(o.l.closes.length, 1);
    assert.equal(proxy.accepted, 1 + 3, 'three attempts');
    const codes = o.l.of('error').map((e) => e.error.code);
    assert.deepEqual(codes, ['upstream_reconnecting', 'upstream_unavailable']);
    // A closed engine takes events without complaint and says nothing more.
    const n = o.l.events.length;
    o.l.send(userText('anyone?'));
    assert.equal(o.l.events.length, n);
  });

  it('rolls over to a new upstream at a quiet moment before the session limit, unseen by the caller', async () => {
    const o = await open({ options: { rolloverAfterMs: 250, rolloverGraceMs: 10_000 } });
    const hello = await turn(o.l, 'hello');
    assert.equal(textOf(hello), 'You said: hello');
    const helloItemId = o.l.events.find((e) => e.type === 'conversation.item.done' && e.item.role === 'user')?.item.id as string;

    // A slow answer spans the moment the rollover falls due: it must finish on the first upstream.
    const slow = await turn(o.l, 'one two three four five six seven eight', { metadata: { echo_delay_ms: '60' } });
    assert.equal(slow.response.status, 'completed');
    assert.equal(textOf(slow), 'You said: one two three four five six seven eight');
    const slowGens = new Set(o.taps.filter((t) => t.event.response_id === slow.response.id).map((t) => t.generation));
    assert.equal(slowGens.size, 1, 'streamed entirely by one upstream: no switch while it ran');

    const moved = await waitLog(o, 'session moved to a new upstream before the session limit');
    const prepared = o.logs.find((x) => x.msg === 'preparing a new upstream before the session limit');
    const slowDoneAt = o.l.times[o.l.events.indexOf(slow)] ?? 0;
    assert.ok((prepared?.time as number) <= slowDoneAt, 'the rollover fell due while the slow answer was streaming…');
    assert.ok((moved.time as number) >= slowDoneAt, '…and waited for it to finish');
    assert.ok(proxy.accepted >= 2);
    await o.l.until(() => proxy.connections[0]?.closed || undefined, 'the old upstream to be closed');

    // The conversation continues on the new upstream, with its context and its tools.
    const from = o.l.events.length;
    o.l.send({ type: 'conversation.item.retrieve', item_id: helloItemId });
    const retrieved = await o.l.next('conversation.item.retrieved', () => true, from);
    assert.equal(retrieved.item.content[0].text, 'hello');
    const retrievedGen = o.taps.filter((t) => t.event.type === 'conversation.item.retrieved').at(-1)?.generation ?? 0;
    assert.ok(retrievedGen > 1, 'answered by a later upstream');
    const call = await turn(o.l, 'call get_weather {"city":"Rome"}');
    assert.equal((call.response.output as Json[])[0]?.type, 'function_call', 'the tools were applied on the new upstream');

    assert.equal(o.l.of('error').length, 0, 'no error');
    assert.equal(o.l.of('session.created').length, 1, 'no second session.created');
    assert.equal(o.l.of('session.updated').length, 0);
    assert.equal(o.l.of('response.done').filter((e) => e.response.status !== 'completed').length, 0);
    assert.deepEqual(o.logs.filter((x) => (x.level as number) >= 40).map((x) => x.msg), [], 'no warnings');
  });

  it('closing while reconnecting stops the attempts and fires nothing', async () => {
    const o = await open({ options: { reconnect: { initialDelayMs: 20, maxDelayMs: 20, maxAttempts: 50, jitter: 0 } } });
    proxy.refuse = true;
    proxy.cut();
    await o.l.next('error', (e) => e.error.code === 'upstream_reconnecting');
    await proxy.waitForAccepted(2);
    await o.engine.close('caller hung up');
    const attempts = proxy.accepted;
    const events = o.l.events.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(proxy.accepted, attempts, 'no attempt after close');
    assert.equal(o.l.events.length, events);
    assert.deepEqual(o.l.closes, [], 'close() fires no onClose');
  });
});

describe('openai engine: refusals at set-up', () => {
  let server: Server | null = null;
  let wss: WebSocketServer | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
    server = null;
    wss = null;
  });

  const ctx = (): EngineContext => ({ session: agentSession(), limits: LIMITS, logger: pino({ level: 'silent' }) });
  const listen = async (s: Server): Promise<number> => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return (s.address() as AddressInfo).port;
  };

  it('a 401 at the upgrade rejects create with upstream_auth_failed, quoting the server without the key', async () => {
    let auth: string | undefined;
    let beta: string | undefined;
    let path: string | undefined;
    server = http.createServer();
    server.on('upgrade', (req, socket) => {
      auth = req.headers.authorization;
      beta = req.headers['openai-beta'] as string | undefined;
      path = req.url;
      const body = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    const port = await listen(server);
    const factory = createOpenAIEngine({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1`, ...fast });
    const err = await factory.create(ctx()).then(
      () => assert.fail('create should reject'),
      (e: unknown) => e as OpenAIEngineError,
    );
    assert.ok(err instanceof OpenAIEngineError);
    assert.equal(err.code, 'upstream_auth_failed');
    assert.equal(err.status, 401);
    assert.match(err.message, /HTTP 401/);
    assert.match(err.message, /Incorrect API key provided/);
    assert.match(err.message, /OPENAI_API_KEY/);
    assert.ok(!err.message.includes(KEY), 'the key is never quoted');
    assert.equal(auth, `Bearer ${KEY}`);
    assert.equal(beta, undefined, 'GA: no OpenAI-Beta header');
    assert.equal(path, '/v1/realtime?model=gpt-realtime');
  });

  it('no session.created in time rejects with upstream_timeout; a close before it with upstream_closed', async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      if (req.url?.includes('model=closing')) ws.close(1011, 'overloaded');
    });
    const port = await listen(server);
    const factory = createOpenAIEngine({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1`, ...fast, connectTimeoutMs: 200 });
    await assert.rejects(factory.create(ctx()), (e: OpenAIEngineError) => e.code === 'upstream_timeout' && /200 ms/.test(e.message));
    const closing = { ...ctx(), session: { ...agentSession(), model: 'closing' } };
    await assert.rejects(factory.create(closing), (e: OpenAIEngineError) => e.code === 'upstream_closed' && /1011: overloaded/.test(e.message));
  });

  it('a refused session configuration rejects with upstream_session_rejected', async () => {
    server = http.createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'session.created', event_id: 'event_1', session: { id: 'sess_upstream' } }));
      ws.on('message', (data) => {
        const e = JSON.parse(String(data)) as Json;
        if (e.type === 'session.update') {
          ws.send(JSON.stringify({ type: 'error', event_id: 'event_2', error: { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'robot'.", param: 'session.audio.output.voice', event_id: e.event_id } }));
        }
      });
    });
    const port = await listen(server);
    const factory = createOpenAIEngine({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1`, ...fast });
    await assert.rejects(factory.create(ctx()), (e: OpenAIEngineError) => e.code === 'upstream_session_rejected' && /session\.audio\.output\.voice/.test(e.message));
  });
});

/** A scripted Realtime upstream: just enough protocol to steer the engine where the echo server can't (server errors, answers that never end). */
class FakeUpstream {
  readonly connections: { ws: WebSocket; received: Json[] }[] = [];
  /** Responses on connections before this index never finish. */
  finishFrom = 0;
  private responses = 0;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly port: number,
  ) {
    wss.on('connection', (ws) => {
      const index = this.connections.length;
      const conn = { ws, received: [] as Json[] };
      this.connections.push(conn);
      const send = (e: Record<string, unknown>): void => ws.send(JSON.stringify({ event_id: `event_fake_${Math.random().toString(36).slice(2)}`, ...e }));
      send({ type: 'session.created', session: { ...agentSession(), id: `sess_fake_${index}` } });
      ws.on('message', (data) => {
        const e = JSON.parse(String(data)) as Json;
        conn.received.push(e);
        if (e.type === 'session.update') send({ type: 'session.updated', session: { ...agentSession(), id: `sess_fake_${index}` } });
        if (e.type === 'conversation.item.create') {
          const item = { ...e.item, object: 'realtime.item', status: 'completed' };
          send({ type: 'conversation.item.added', item, previous_item_id: null });
          send({ type: 'conversation.item.done', item, previous_item_id: null });
        }
        if (e.type === 'response.create') {
          const response = { object: 'realtime.response', id: `resp_fake_${++this.responses}`, status: 'in_progress', output: [], conversation_id: 'conv_fake', output_modalities: ['text'], max_output_tokens: 'inf', metadata: e.response?.metadata ?? null };
          send({ type: 'response.created', response });
          if (index < this.finishFrom) return;
          const item = { id: `item_fake_${this.responses}`, object: 'realtime.item', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `answer from ${index}` }] };
          send({ type: 'response.output_item.added', response_id: response.id, output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
          send({ type: 'conversation.item.added', item: { ...item, status: 'in_progress', content: [] }, previous_item_id: null });
          send({ type: 'response.output_item.done', response_id: response.id, output_index: 0, item });
          send({ type: 'conversation.item.done', item, previous_item_id: null });
          send({ type: 'response.done', response: { ...response, status: 'completed', output: [item] } });
        }
      });
    });
  }

  static async start(): Promise<FakeUpstream> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    return new FakeUpstream(wss, (wss.address() as AddressInfo).port);
  }

  send(connection: number, event: Record<string, unknown>): void {
    this.connections[connection]?.ws.send(JSON.stringify(event));
  }

  close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

describe('openai engine against a scripted upstream', () => {
  let fake: FakeUpstream;
  let engine: Engine | null = null;
  before(async () => {
    fake = await FakeUpstream.start();
  });
  afterEach(async () => {
    await engine?.close('test finished');
    engine = null;
    for (const c of fake.connections.splice(0)) c.ws.terminate();
    fake.finishFrom = 0;
  });
  after(() => fake.close());

  it('an error of type server_error is not passed on: the engine reconnects and re-seeds', async () => {
    const o = await openEngine(fake.port);
    engine = o.engine;
    const first = await turn(o.l, 'hi');
    assert.equal(textOf(first), 'answer from 0');
    // An event type the engine doesn't know passes through as it came.
    const future = { type: 'conversation.future_event', event_id: 'event_future', detail: { n: 1 } };
    fake.send(0, future);
    assert.deepEqual(await o.l.next('conversation.future_event'), future);
    const from = o.l.events.length;
    fake.send(0, { type: 'error', event_id: 'event_x', error: { type: 'server_error', code: null, message: 'The server had an error while processing your request.', param: null, event_id: null } });
    const reconnecting = await o.l.next('error', () => true, from);
    assert.equal(reconnecting.error.code, 'upstream_reconnecting');
    assert.match(reconnecting.error.message as string, /server had an error/);
    await waitLog(o, 'upstream reconnected; the conversation resumes');
    assert.equal(fake.connections.length, 2);
    const reseeded = fake.connections[1]?.received.filter((e) => e.type === 'conversation.item.create').map((e) => `${e.item.role}:${e.item.content[0].text}`);
    assert.deepEqual(reseeded, ['user:hi', 'assistant:answer from 0']);
    const second = await turn(o.l, 'and now?');
    assert.equal(textOf(second), 'answer from 1');
    assert.deepEqual(o.l.of('error').map((e) => e.error.code), ['upstream_reconnecting'], 'the upstream’s own server_error is not passed on');
  });

  it('a rollover with no quiet moment in its grace time happens anyway: the running answer fails and is asked for again on the new upstream', async () => {
    fake.finishFrom = 1; // the first upstream never finishes an answer
    const o = await openEngine(fake.port, { options: { rolloverAfterMs: 100, rolloverGraceMs: 200 } });
    engine = o.engine;
    o.l.send(userText('hi'));
    o.l.send({ type: 'response.create', response: { metadata: { tag: 'first' } } });
    const created = await o.l.next('response.created');
    const failed = await o.l.next('response.done', (e) => e.response.id === created.response.id);
    assert.equal(failed.response.status, 'failed');
    assert.equal(failed.response.status_details.error.code, 'upstream_rollover');
    const answer = await o.l.next('response.done', (e) => e.response.status === 'completed');
    assert.equal(textOf(answer), 'answer from 1');
    assert.deepEqual(answer.response.metadata, { tag: 'first' }, 'asked for again as the caller asked');
    const log = await waitLog(o, 'session moved to a new upstream before the session limit');
    assert.equal(log.forced, true);
    assert.deepEqual(
      fake.connections[1]?.received.filter((e) => e.type === 'conversation.item.create').map((e) => e.item.content[0].text),
      ['hi'],
      'the new upstream was seeded with the conversation',
    );
    assert.equal(o.l.of('error').length, 0);
    assert.equal(o.l.of('session.created').length, 1);
  });
});

describe('openai engine configuration', () => {
  it('openaiEngineConfigFromEnv: null without a key; the SDK’s default base URL; org and project', () => {
    assert.equal(openaiEngineConfigFromEnv({}), null);
    assert.equal(openaiEngineConfigFromEnv({ OPENAI_API_KEY: '  ' }), null);
    assert.deepEqual(openaiEngineConfigFromEnv({ OPENAI_API_KEY: KEY }), { apiKey: KEY, baseUrl: DEFAULT_BASE_URL });
    assert.equal(DEFAULT_BASE_URL, 'https://api.openai.com/v1');
    assert.deepEqual(openaiEngineConfigFromEnv({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1/', OPENAI_ORG_ID: 'org_1', OPENAI_PROJECT_ID: 'proj_1' }), {
      apiKey: KEY,
      baseUrl: 'http://127.0.0.1:8080/v1',
      organization: 'org_1',
      project: 'proj_1',
    });
  });

  it('a bad base URL is a coded error naming the variable', () => {
    for (const bad of ['not a url', 'ftp://example.com/v1']) {
      assert.throws(
        () => openaiEngineConfigFromEnv({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: bad }),
        (e: OpenAIEngineError) => e.code === 'invalid_config' && e.message.includes('OPENAI_BASE_URL') && e.message.includes(DEFAULT_BASE_URL),
      );
    }
    assert.throws(() => createOpenAIEngine({ apiKey: KEY, baseUrl: 'nope' }), (e: OpenAIEngineError) => e.code === 'invalid_config');
  });

  it('realtimeUrl: http(s) → ws(s), /realtime?model=', () => {
    assert.equal(realtimeUrl(DEFAULT_BASE_URL, 'gpt-realtime'), 'wss://api.openai.com/v1/realtime?model=gpt-realtime');
    assert.equal(realtimeUrl('http://127.0.0.1:9000/v1/', 'gpt-realtime-mini'), 'ws://127.0.0.1:9000/v1/realtime?model=gpt-realtime-mini');
  });

  it('backoff doubles from the first delay up to the cap, within the jitter', () => {
    const opts = { initialDelayMs: 1000, maxDelayMs: 5000, maxAttempts: 5, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, opts)), [1000, 2000, 4000, 5000, 5000]);
    const spread = { ...opts, jitter: 0.2 };
    assert.equal(backoffDelayMs(2, spread, () => 0), 1600);
    assert.equal(backoffDelayMs(2, spread, () => 1), 2400);
  });

  it('history merge: the record wins; what only the engine saw is placed where it happened', () => {
    const user = (id: string, text: string) => ({ id, type: 'message', role: 'user', content: [{ type: 'input_text', text }] }) as Item;
    const call = { id: 'item_fc', type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' } as Item;
    const output = { id: 'item_out', type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' } as Item;
    const record = [user('item_a', 'as heard'), user('item_c', 'later')];
    const seen = [user('item_note', 'system-ish note'), user('item_a', 'as the engine saw it'), call, output, user('item_c', 'later')];
    assert.deepEqual(
      mergeHistory(record, seen).map((i) => i.id),
      ['item_note', 'item_a', 'item_fc', 'item_out', 'item_c'],
    );
    assert.equal((mergeHistory(record, seen)[1] as Json).content[0].text, 'as heard');
    // A record tool call has no item id: it is the same call by its call id.
    const recordCall = { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' } as Item;
    assert.equal(mergeHistory([recordCall], [call]).length, 1);
    assert.deepEqual(mergeHistory([user('item_x', 'x')], [user('item_y', 'y')]).map((i) => i.id), ['item_x', 'item_y'], 'nothing in common: after the record');
  });

  it('re-seed plan: text kept, audio as transcript, ids kept where allowed, orphan tool results and MCP items left out', () => {
    const plan = planReseed([
      { id: 'item_u', type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: 'hi' }, { type: 'input_audio' }] },
      { id: 'item_silent', type: 'message', role: 'user', content: [{ type: 'input_audio' }] },
      { id: 'x'.repeat(40), type: 'message', role: 'assistant', content: [{ type: 'output_audio', transcript: 'hello' }] },
      { id: 'item_orphan', type: 'function_call_output', call_id: 'call_gone', output: '{}' },
      { id: 'item_fc', type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
      { id: 'item_out', type: 'function_call_output', call_id: 'call_1', output: '{}' },
      { id: 'item_mcp', type: 'mcp_approval_request', server_label: 's', name: 'n', arguments: '{}' },
    ] as Item[]);
    const items = plan.events.map((e) => e.item as Json);
    assert.deepEqual(items[0], { type: 'message', role: 'user', id: 'item_u', content: [{ type: 'input_text', text: 'hi' }] });
    assert.equal(items[1]?.role, 'assistant');
    assert.deepEqual(items[1]?.content, [{ type: 'output_text', text: 'hello' }]);
    assert.match(items[1]?.id as string, /^item_\w{21}$/, 'an id longer than 32 characters is replaced');
    assert.deepEqual(items.slice(2).map((i) => i.id), ['item_fc', 'item_out']);
    assert.deepEqual(plan.skipped.map((x) => x.id), ['item_silent', 'item_orphan', 'item_mcp']);
    assert.ok(plan.events.every((e) => typeof e.event_id === 'string'));
  });
});
