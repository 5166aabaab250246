import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { openOpusCodecs } from '../../../src/audio/index.js';
import { ApiKeyStore } from '../../../src/auth/api-keys.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { HANGUP_REASON } from '../../../src/transports/realtime-ws/calls-route.js';
import { RawClient } from '../../helpers/realtime-client.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { WebRtcPeer } from '../../helpers/webrtc-peer.js';

const ADMIN = 'webrtc-admin-key-0123456789';

const agentYaml = (name: string, access: 'public' | 'key'): string => `name: ${name}
description: WebRTC test agent.
instructions: Test.
engine: echo
access: ${access}
`;

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** POSTs a body to /v1/realtime/calls; the status and the error code of the OpenAI-shaped body. */
async function post(url: string, body: string | FormData | undefined, headers: Record<string, string> = {}): Promise<{ status: number; code: string; message: string; type: string }> {
  // `url` is the server's, optionally with a query: the path goes before it.
  const [base, query] = url.split('?');
  const res = await fetch(`${base}/v1/realtime/calls${query ? `?${query}` : ''}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  const json = (await res.json()) as { error: { code: string; message: string; type: string } };
  return { status: res.status, code: json.error.code, message: json.error.message, type: json.error.type };
}

/** A real offer from a throwaway werift peer (its PC closed at once). */
async function offerSdp(opts: { audio: boolean } = { audio: true }): Promise<string> {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  if (opts.audio) pc.addTransceiver('audio', { direction: 'sendrecv' });
  pc.createDataChannel('oai-events');
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription!.sdp;
  await pc.close();
  return sdp;
}

const udpSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

describe('POST /v1/realtime/calls: WebRTC calls (echo engine)', () => {
  let srv: TestServer;
  let store: Store;
  let dir: string;
  let scopedKey: string;
  const peers: WebRtcPeer[] = [];
  const peer = (): WebRtcPeer => {
    const p = new WebRtcPeer();
    peers.push(p);
    return p;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-webrtc-'));
    writeFileSync(join(dir, 'desk.yaml'), agentYaml('desk', 'public'));
    writeFileSync(join(dir, 'vault.yaml'), agentYaml('vault', 'key'));
    writeFileSync(join(dir, 'greeter.yaml'), `${agentYaml('greeter', 'public')}voice: marin\ngreeting: Hello there.\n`);
    store = await openStore({ dataDir: 'memory://' });
    scopedKey = (await new ApiKeyStore(store.db).create({ name: 'vault-app', scopes: ['agent:vault'] })).secret;
    srv = await startTestServer({ server: { apiKey: ADMIN }, agents: { default: 'desk' } }, { agentsDir: dir, store });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an offer: 201, an SDP answer, Location with the call id = session id; session.created on oai-events; recorded as webrtc', async () => {
    const p = peer();
    const answer = await p.call(srv.url, { query: 'caller_id=web-1' });
    assert.equal(answer.status, 201, answer.body);
    assert.match(answer.body, /^v=0\r?\n/);
    assert.match(answer.body, /^m=audio .*\r?\n(?:.*\r?\n)*?a=rtpmap:\d+ opus\/48000\/2/m);
    assert.match(answer.body, /^m=application .* webrtc-datachannel/m);
    assert.match(answer.location ?? '', /^\/v1\/realtime\/calls\/sess_[A-Za-z0-9]+$/);
    await within(new Promise<void>((r) => (p.channel.readyState === 'open' ? r() : p.channel.stateChanged.subscribe((s) => s === 'open' && r()))), 10_000, 'the data channel');
    const created = await p.next('session.created', undefined, 10_000);
    assert.equal(created.session.id, p.callId);
    const record = await store.records.session(p.callId!);
    assert.equal(record?.transport, 'webrtc');
    assert.equal(record?.agent, 'desk');
    assert.equal(record?.callerId, 'web-1');
    // Events flow both ways: a text turn through the data channel.
    p.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello over webrtc' }] } });
    p.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const done = await p.next('response.done');
    assert.equal(done.response.status, 'completed');
    assert.ok(!p.events.some((e) => e.type === 'response.output_audio.delta'), 'no audio deltas on the channel');
    await p.close();
  });

  it('multipart with a session part chooses model and voice; anything else is refused with unsupported_parameter', async () => {
    const p = peer();
    await p.connect(srv.url, { query: 'agent=greeter', session: { type: 'realtime', model: 'parley-echo', audio: { output: { voice: 'cedar' } } } });
    const created = await p.next('session.created', undefined, 10_000);
    assert.equal(created.session.audio.output.voice, 'marin', 'the agent\'s voice');
    const updated = await p.next('session.updated', (e) => e.session.audio?.output?.voice === 'cedar', 10_000);
    assert.equal(updated.session.id, p.callId);
    // Applied before the agent's greeting: the greeting speaks with the caller's voice.
    const greeting = await p.next('response.created', undefined, 10_000);
    assert.equal(greeting.response.audio.output.voice, 'cedar');
    assert.ok(p.events.indexOf(updated) < p.events.indexOf(greeting));
    await p.close();

    const sdp = await offerSdp();
    const form = (session: unknown, withSdp = true): FormData => {
      const f = new FormData();
      if (withSdp) f.set('sdp', sdp);
      f.set('session', typeof session === 'string' ? session : JSON.stringify(session));
      return f;
    };
    const extra = await post(srv.url, form({ type: 'realtime', instructions: 'be a pirate', tools: [] }));
    assert.deepEqual([extra.status, extra.code], [400, 'unsupported_parameter']);
    assert.match(extra.message, /session\.instructions, session\.tools/);
    const nested = await post(srv.url, form({ type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' } } } }));
    assert.deepEqual([nested.status, nested.code], [400, 'unsupported_parameter']);
    assert.match(nested.message, /session\.audio\.input/);
    assert.deepEqual(Object.values(await post(srv.url, form({ type: 'transcription' }))).slice(0, 2), [400, 'invalid_value']);
    assert.deepEqual(Object.values(await post(srv.url, form('{ not json'))).slice(0, 2), [400, 'invalid_json']);
    assert.deepEqual(Object.values(await post(srv.url, form({ type: 'realtime' }, false))).slice(0, 2), [400, 'missing_sdp']);
    assert.deepEqual(Object.values(await post(`${srv.url}?model=b`, form({ type: 'realtime', model: 'a' }))).slice(0, 2), [400, 'invalid_value']);
  });

  it('refuses bad requests with a status and a code, in the OpenAI error shape', async () => {
    const sdp = await offerSdp();
    const cases: Array<[string, Promise<{ status: number; code: string; type: string }>, number, string]> = [
      ['no credential for a key-only agent', post(`${srv.url}?agent=vault`, sdp, { 'content-type': 'application/sdp' }), 401, 'missing_credential'],
      ['a wrong key', post(`${srv.url}?agent=vault`, sdp, { 'content-type': 'application/sdp', authorization: 'Bearer pk_nope_0123456789abcdef0123456789' }), 401, 'invalid_credential'],
      ['an empty offer', post(srv.url, '', { 'content-type': 'application/sdp' }), 400, 'missing_sdp'],
      ['not SDP', post(srv.url, 'hello, is it me you are looking for', { 'content-type': 'application/sdp' }), 400, 'invalid_sdp'],
      ['SDP without audio', offerSdp({ audio: false }).then((s) => post(srv.url, s, { 'content-type': 'application/sdp' })), 400, 'unsupported_sdp'],
      ['SDP without Opus', post(srv.url, sdp.replace(/opus\/48000\/2/gi, 'PCMU/8000'), { 'content-type': 'application/sdp' }), 400, 'unsupported_sdp'],
      ['SDP without ICE credentials', post(srv.url, sdp.replace(/^a=ice-(ufrag|pwd):.*\r?\n/gm, ''), { 'content-type': 'application/sdp' }), 400, 'invalid_sdp'],
      ['a JSON body', post(srv.url, JSON.stringify({ sdp }), { 'content-type': 'application/json' }), 415, 'unsupported_media_type'],
      ['no content type', post(srv.url, undefined), 415, 'unsupported_media_type'],
      ['a broken multipart body', post(srv.url, '--x\r\nnope', { 'content-type': 'multipart/form-data; boundary=x' }), 400, 'invalid_multipart'],
      ['a huge body', post(srv.url, `v=0\r\n${'a=x\r\n'.repeat(40_000)}`, { 'content-type': 'application/sdp' }), 413, 'request_too_large'],
      ['a bad caller id', post(`${srv.url}?caller_id=${encodeURIComponent('<script>')}`, sdp, { 'content-type': 'application/sdp' }), 400, 'invalid_value'],
      ['an unknown agent', post(`${srv.url}?agent=nobody`, sdp, { 'content-type': 'application/sdp' }), 404, 'agent_not_found'],
      ['?call_id=', post(`${srv.url}?call_id=sess_x`, sdp, { 'content-type': 'application/sdp' }), 400, 'invalid_value'],
    ];
    for (const [what, result, status, code] of cases) {
      const r = await result;
      assert.deepEqual([r.status, r.code], [status, code], what);
      assert.ok(r.type.endsWith('_error'), `${what}: an OpenAI error type (${r.type})`);
    }
    assert.equal(srv.server.sessions.size, 0, 'no session was opened for a refused call');
    // The right key gets in.
    const p = peer();
    await p.connect(srv.url, { query: 'agent=vault', token: scopedKey });
    assert.equal((await p.next('session.created', undefined, 10_000)).session.id, p.callId);
    await p.close();
  });

  it('a session token opens exactly its session and resumes it on a second offer (same id in Location); the first call is ended', async () => {
    const minted = (await (await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { authorization: `Bearer ${scopedKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent: 'vault', caller_id: 'tok-caller' }) })).json()) as {
      session_id: string;
      client_secret: { value: string };
    };
    const first = peer();
    await first.connect(srv.url, { token: minted.client_secret.value });
    assert.equal(first.callId, minted.session_id);
    await first.next('session.created', undefined, 10_000);
    first.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'remember me' }] } });
    await first.next('conversation.item.done');
    // The browser reconnects: a new offer, the same token.
    const second = peer();
    const answer = await second.call(srv.url, { token: minted.client_secret.value });
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.location, `/v1/realtime/calls/${minted.session_id}`);
    await within(first.channelClosed, 5000, 'the first call to be closed');
    const created = await second.next('session.created', undefined, 10_000);
    assert.equal(created.session.id, minted.session_id);
    const record = await store.records.session(minted.session_id);
    assert.equal(record?.callerId, 'tok-caller');
    // A token names its agent: it cannot open another.
    const other = await post(`${srv.url}?agent=desk`, await offerSdp(), { 'content-type': 'application/sdp', authorization: `Bearer ${minted.client_secret.value}` });
    assert.deepEqual([other.status, other.code], [403, 'insufficient_scope']);
    await second.close();
  });

  it('the data channel: bad events get error events and the channel stays open; WebRTC-only rules hold', async () => {
    const p = peer();
    await p.connect(srv.url);
    await p.next('session.created', undefined, 10_000);
    p.sendRaw('{ this is not json');
    const bad = await p.next('error');
    assert.equal(bad.error.code, 'invalid_json');
    p.send({ type: 'no.such.event', event_id: 'evt_1' });
    const unknown = await p.next('error');
    assert.deepEqual([unknown.error.code, unknown.error.event_id], ['invalid_value', 'evt_1']);
    p.send({ type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'evt_2' });
    const append = await p.next('error');
    assert.deepEqual([append.error.code, append.error.event_id], ['unsupported', 'evt_2']);
    assert.match(append.error.message, /media track/);
    p.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    const format = await p.next('error');
    assert.deepEqual([format.error.code, format.error.param], ['invalid_value', 'session.audio.output.format']);
    // Nothing was playing: the clear is still acknowledged.
    p.send({ type: 'output_audio_buffer.clear' });
    const cleared = await p.next('output_audio_buffer.cleared');
    assert.equal(typeof cleared.response_id, 'string');
    // Still open and serving.
    p.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    assert.equal((await p.next('session.updated')).session.instructions, 'still here');
    assert.equal(p.channel.readyState, 'open');
    await p.close();
  });

  it('hangup (POST /v1/realtime/calls/:id/hangup) closes the call; the end is recorded; a sideband can attach first', async () => {
    const p = peer();
    await p.connect(srv.url, { query: 'caller_id=hang-me' });
    await p.next('session.created', undefined, 10_000);
    const sideband = await RawClient.connect(`${srv.wsUrl}?call_id=${p.callId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal((await sideband.next('session.created')).session.id, p.callId);
    const res = await fetch(`${srv.url}/v1/realtime/calls/${p.callId}/hangup`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.status, 200);
    await within(p.channelClosed, 5000, 'the call to close');
    assert.equal((await within(sideband.closed, 5000, 'the sideband to close')).reason, HANGUP_REASON);
    await until(async () => (await store.records.session(p.callId!))?.endReason === HANGUP_REASON, 5000, 'the end to be recorded');
    assert.equal(srv.server.sessions.get(p.callId!), undefined);
    const again = await fetch(`${srv.url}/v1/realtime/calls/${p.callId}/hangup`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(again.status, 404);
    await p.close();
  });

  it('the caller hanging up ends the session (client closed) and gives its place back', async () => {
    const p = peer();
    await p.connect(srv.url, { query: 'caller_id=leaver' });
    await p.next('session.created', undefined, 10_000);
    assert.equal(await srv.server.access.admission.held('ip:127.0.0.1'), 1);
    await p.close();
    await until(() => srv.server.sessions.get(p.callId!) === undefined, 5000, 'the session to end');
    const record = await store.records.session(p.callId!);
    assert.match(record?.endReason ?? '', /^client closed/);
    await until(async () => (await srv.server.access.admission.held('ip:127.0.0.1')) === 0, 2000, 'the admission place to be released');
  });

  it('opening and closing several calls leaves nothing behind: sessions, admission places, Opus handles, UDP sockets, timers', async () => {
    const baseline = { udp: udpSockets(), timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, opus: openOpusCodecs() };
    const calls = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const p = new WebRtcPeer();
        await p.connect(srv.url);
        await p.next('session.created', undefined, 10_000);
        return p;
      }),
    );
    assert.equal(srv.server.sessions.size, 6);
    assert.ok(udpSockets() >= baseline.udp + 12, `each call holds UDP sockets on both sides (${udpSockets()} open)`);
    assert.equal(openOpusCodecs(), baseline.opus + 6 * 4, 'an encoder and a decoder on each side of each call');
    // Half hang up themselves, half are hung up by the server.
    await Promise.all(calls.slice(0, 3).map((p) => p.close()));
    await Promise.all(calls.slice(3).map((p) => fetch(`${srv.url}/v1/realtime/calls/${p.callId}/hangup`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })));
    await Promise.all(calls.slice(3).map((p) => within(p.channelClosed, 5000, 'a hung-up call to close')));
    await Promise.all(calls.slice(3).map((p) => p.close()));
    await until(() => srv.server.sessions.size === 0, 5000, 'every session to end');
    await until(() => openOpusCodecs() === baseline.opus, 5000, 'every Opus handle to be freed');
    assert.equal(await srv.server.access.admission.held('ip:127.0.0.1'), 0);
    await until(() => udpSockets() <= baseline.udp, 5000, `UDP sockets back to ${baseline.udp} (now ${udpSockets()})`);
    await until(() => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length <= baseline.timers, 5000, 'timers back to the baseline');
  });
});

describe('POST /v1/realtime/calls: a data channel that floods is told so and the call ends', () => {
  let srv: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-webrtc-rate-'));
    writeFileSync(join(dir, 'desk.yaml'), agentYaml('desk', 'public'));
    srv = await startTestServer({ agents: { default: 'desk' }, limits: { messagesPerSecond: 20 } }, { agentsDir: dir });
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('more than messagesPerSecond messages: an error event rate_limited, then the call closes', async () => {
    const p = new WebRtcPeer();
    try {
      await p.connect(srv.url);
      await p.next('session.created', undefined, 10_000);
      for (let i = 0; i < 140; i++) p.send({ type: 'session.update', session: { type: 'realtime', instructions: `flood ${i}` } });
      const limited = await p.next('error', (e) => e.error.code === 'rate_limited', 5000);
      assert.match(limited.error.message, /More than 20 messages per second \(bursts of up to 100\)/);
      await within(p.channelClosed, 5000, 'the flooding call to close');
      await until(() => srv.server.sessions.size === 0, 5000, 'the session to end');
    } finally {
      await p.close();
    }
  });
});

describe('POST /v1/realtime/calls: the bare engine, and shutdown', () => {
  it('a server without agents answers calls with its bare engine', async () => {
    const srv = await startTestServer();
    const p = new WebRtcPeer();
    try {
      await p.connect(srv.url);
      const created = await p.next('session.created', undefined, 10_000);
      assert.equal(created.session.id, p.callId);
      p.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'bare' }] } });
      p.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      assert.equal((await p.next('response.done')).response.status, 'completed');
    } finally {
      await p.close();
      await srv.close();
    }
  });

  it('shutdown ends live calls (their channel closes) and refuses new offers with 503 server_draining', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-webrtc-drain-'));
    writeFileSync(join(dir, 'desk.yaml'), agentYaml('desk', 'public'));
    const store = await openStore({ dataDir: 'memory://' });
    const srv = await startTestServer({ agents: { default: 'desk' } }, { agentsDir: dir, store });
    const p = new WebRtcPeer();
    try {
      await p.connect(srv.url);
      await p.next('session.created', undefined, 10_000);
      const sdp = await offerSdp();
      // Hold the drain open a moment (ending the echo engine's sessions is instant), as live calls would.
      const endAll = srv.server.sessions.endAll.bind(srv.server.sessions);
      srv.server.sessions.endAll = async (reason, code) => {
        await new Promise((r) => setTimeout(r, 300));
        return endAll(reason, code);
      };
      const shutdown = srv.server.shutdown('server shutting down');
      const refused = await post(srv.url, sdp, { 'content-type': 'application/sdp' });
      assert.deepEqual([refused.status, refused.code], [503, 'server_draining']);
      await within(p.channelClosed, 5000, 'the live call to close');
      await shutdown;
    } finally {
      await p.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
