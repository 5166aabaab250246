import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RawClient } from '../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A webhook that answers after `delayMs`, counting the requests it got per idempotency key. */
function slowWebhook(delayMs: number): Promise<{ url: string; hits: Map<string, number>; close: () => Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    hits.set(key, (hits.get(key) ?? 0) + 1);
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', balance: 42 })), delayMs);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`, hits, close: () => new Promise((r) => server.close(() => r())) })),
  );
}

function agentFile(dir: string, webhookUrl: string): void {
  writeFileSync(
    join(dir, 'tester.yaml'),
    `name: tester
description: Echo-engine agent for runtime tests.
instructions: Test agent.
engine: echo
access: public
tools:
  - book_appointment
  - end_call
  - type: webhook
    name: slow_lookup
    description: A slow back-office lookup.
    url: ${webhookUrl}
    parameters: { type: object, properties: { id: { type: string } }, required: [id] }
    timeoutMs: 8000
    retries: 0
  - type: client
    name: show_map
    description: Shows a map in the browser.
    parameters: { type: object, properties: { place: { type: string } } }
`,
  );
}

/** The words of a response's first message (text or audio transcript). */
const words = (response: { output: { type: string; content?: { text?: string; transcript?: string }[] }[] }): string => {
  const part = response.output.find((i) => i.type === 'message')?.content?.[0];
  return part?.text ?? part?.transcript ?? '';
};

const say = (ws: RawClient, text: string): void => {
  ws.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
  ws.send({ type: 'response.create' });
};

describe('agent runtime: server-side tools over /v1/realtime', () => {
  let srv: TestServer;
  let store: Store;
  let hook: Awaited<ReturnType<typeof slowWebhook>>;
  let dir: string;
  before(async () => {
    hook = await slowWebhook(1800);
    dir = mkdtempSync(join(tmpdir(), 'parley-agents-'));
    agentFile(dir, hook.url);
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTestServer({ agents: { default: 'tester' } }, { agentsDir: dir, store });
  });
  after(async () => {
    await srv.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(callerId?: string): Promise<RawClient> {
    const ws = await RawClient.connect(`${srv.wsUrl}${callerId ? `?caller_id=${callerId}` : ''}`);
    const created = await ws.next('session.created');
    assert.deepEqual(
      created.session.tools.map((t: { name: string }) => t.name),
      ['book_appointment', 'end_call', 'slow_lookup', 'show_map'],
      'the agent is applied before the client does anything',
    );
    return ws;
  }

  it('runs a server tool, answers the call once, and the model continues with the result; the booking is in the database', async () => {
    const ws = await open();
    const date = new Date(Date.now() + 7 * 86_400_000);
    while (date.getUTCDay() === 0 || date.getUTCDay() === 6) date.setUTCDate(date.getUTCDate() + 1);
    const day = date.toISOString().slice(0, 10);
    say(ws, `call book_appointment {"service":"consultation","date":"${day}","time":"10:00"}`);
    const call = await ws.next('response.function_call_arguments.done');
    const output = await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id);
    const result = JSON.parse(output.item.output);
    assert.equal(result.appointment.service, 'consultation');
    const next = await ws.next('response.done', (e) => e.response.output.some((i: { type: string }) => i.type === 'message'));
    assert.match(words(next.response), /^The book_appointment tool returned: /);
    const rows = await store.business.appointments({ date: day });
    assert.equal(rows.filter((a) => a.id === result.appointment.id && a.status === 'booked').length, 1);
    assert.equal(ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.type === 'function_call_output').length, 1);
    await ws.close();
  });

  it('invalid arguments come back to the model as a function_call_output it can recover from', async () => {
    const ws = await open();
    say(ws, 'call book_appointment {"service":"consultation","date":"tomorrow","time":"10am"}');
    const call = await ws.next('response.function_call_arguments.done');
    const output = await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id);
    const result = JSON.parse(output.item.output);
    assert.equal(result.code, 'invalid_arguments');
    assert.match(result.error, /date/);
    assert.match(result.error, /time/);
    await ws.close();
  });

  it('a slow tool: a filler is spoken, the caller can interrupt meanwhile, and the call is answered exactly once', async () => {
    const ws = await open();
    say(ws, 'call slow_lookup {"id":"A-7"}');
    const call = await ws.next('response.function_call_arguments.done');
    const filler = await ws.next('response.done', (e) => e.response.metadata?.parley_say !== undefined, 4000);
    assert.equal(filler.response.conversation_id, null, 'the filler is out of band');
    assert.match(words(filler.response), /One moment, let me check that\./);
    // The caller speaks while the tool still runs.
    say(ws, 'Hello while you look');
    await ws.next('response.done', (e) => e.response.output.some((i: { content?: { text?: string; transcript?: string }[] }) => (i.content?.[0]?.text ?? i.content?.[0]?.transcript) === 'You said: Hello while you look'));
    const output = await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id, 6000);
    assert.deepEqual(JSON.parse(output.item.output), { status: 'ok', balance: 42 });
    await ws.next('response.done', (e) => e.response.output.some((i: { content?: { text?: string; transcript?: string }[] }) => /slow_lookup tool returned/.test(i.content?.[0]?.text ?? i.content?.[0]?.transcript ?? '')), 6000);
    assert.equal(ws.events.filter((e) => e.type === 'conversation.item.added' && e.item.type === 'function_call_output').length, 1);
    const sessionId = ws.events.find((e) => e.type === 'session.created')!.session.id as string;
    assert.equal(hook.hits.get(`${sessionId}:${call.call_id}`), 1, 'the webhook ran once, keyed by the session and call id');
    await ws.close();
  });

  it('the connection drops while a tool runs: the tool finishes once and is recorded', async () => {
    const ws = await open('caller-drop');
    say(ws, 'call slow_lookup {"id":"B-9"}');
    const call = await ws.next('response.function_call_arguments.done');
    const sessionId = ws.events.find((e) => e.type === 'session.created')!.session.id as string;
    await ws.close();
    const deadline = Date.now() + 8000;
    let detail = await store.records.session(sessionId);
    while ((!detail?.endedAt || detail.toolCalls.length === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      detail = await store.records.session(sessionId);
    }
    assert.equal(detail?.toolCalls.length, 1);
    assert.equal(detail?.toolCalls[0]?.callId, call.call_id);
    assert.deepEqual(detail?.toolCalls[0]?.output, { status: 'ok', balance: 42 });
    assert.equal(hook.hits.get(`${sessionId}:${call.call_id}`), 1);
    assert.match(detail?.endReason ?? '', /client closed/);
  });

  it('client-side tools go to the client, which answers them; a client answer to a server call is refused', async () => {
    const ws = await open();
    say(ws, 'call show_map {"place":"Maple Street"}');
    const call = await ws.next('response.function_call_arguments.done');
    assert.equal(call.name, 'show_map');
    await ws.next('response.done');
    ws.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"shown":true}' } });
    await ws.next('conversation.item.added', (e) => e.item.type === 'function_call_output' && e.item.call_id === call.call_id);
    // Now a server tool's call, answered by the client: refused, the server's own answer stands.
    say(ws, 'call end_call {"reason":"test"}');
    const end = await ws.next('response.function_call_arguments.done', (e) => e.name === 'end_call');
    ws.send({ type: 'conversation.item.create', event_id: 'evt_mine', item: { type: 'function_call_output', call_id: end.call_id, output: '{}' } });
    const err = await ws.next('error', (e) => e.error.code === 'tool_call_handled_by_server');
    assert.equal(err.error.event_id, 'evt_mine');
    // end_call hangs up after the goodbye: a normal close.
    const closed = await ws.closed;
    assert.equal(closed.code, 1000);
  });

  it('records the session: transcript, tool calls, usage with cost, and the end', async () => {
    const ws = await open('caller-records');
    const sessionId = ws.events.find((e) => e.type === 'session.created')!.session.id as string;
    say(ws, 'Hello there');
    await ws.next('response.done');
    await ws.close();
    const deadline = Date.now() + 5000;
    let detail = await store.records.session(sessionId);
    while (!detail?.endedAt && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      detail = await store.records.session(sessionId);
    }
    assert.equal(detail?.agent, 'tester');
    assert.equal(detail?.callerId, 'caller-records');
    assert.equal(detail?.transport, 'websocket');
    assert.deepEqual(
      detail?.transcript.map((t) => [t.role, t.text]),
      [
        ['user', 'Hello there'],
        ['assistant', 'You said: Hello there'],
      ],
    );
    assert.equal(detail?.usage.length, 1);
    assert.ok((detail?.usage[0]?.outputTokens ?? 0) > 0);
    assert.match(detail?.summary ?? '', /Hello there/);
  });
});
