import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import WebSocket from 'ws';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/types.js';
import { startTestServer } from '../../helpers/server.js';
import { startTwilioServer, TWILIO_ACCOUNT_SID, type TwilioTestServer } from '../../helpers/twilio.js';

const CALL = { CallSid: `CA${'a'.repeat(32)}`, AccountSid: TWILIO_ACCOUNT_SID, From: '+15550100001', To: '+15550100000', CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };

function post(srv: TwilioTestServer, path: string, params: Record<string, string>, signature?: string): Promise<Response> {
  const url = `${srv.publicUrl}${path}`;
  const sig = signature ?? twilio.getExpectedTwilioSignature(srv.authToken, url, params);
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, body: new URLSearchParams(params) });
}

const attr = (xml: string, re: RegExp): string => {
  const m = re.exec(xml);
  assert.ok(m, `${re} in ${xml}`);
  return m[1]!.replaceAll('&amp;', '&');
};

/** Opens the media stream as Twilio does and sends `connected` + `start`; resolves with the socket and a close promise. */
async function openStream(srv: TwilioTestServer, params: Record<string, string>, opts: { sign?: boolean; callSid?: string; path?: string } = {}) {
  const url = `${srv.publicUrl.replace('http', 'ws')}/twilio/media-stream${opts.path ?? (params.session_id ? `/${params.session_id}` : '')}`;
  const headers = opts.sign === false ? {} : { 'x-twilio-signature': twilio.getExpectedTwilioSignature(srv.authToken, url, {}) };
  const ws = new WebSocket(url, { headers });
  const received: Record<string, unknown>[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (d) => received.push(JSON.parse(d.toString()) as Record<string, unknown>));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const streamSid = `MZ${'b'.repeat(32)}`;
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid, start: { streamSid, accountSid: TWILIO_ACCOUNT_SID, callSid: opts.callSid ?? CALL.CallSid, tracks: ['inbound'], customParameters: params, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  return { ws, received, closed };
}

describe('Twilio webhooks and the media stream handshake', () => {
  let srv: TwilioTestServer;
  let store: Store;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    srv = await startTwilioServer({ engine: { default: 'local' } }, { store });
  });
  after(() => srv.close());

  it('refuses a webhook without a signature, or with a wrong one, with 403', async () => {
    const unsigned = await fetch(`${srv.publicUrl}/twilio/voice`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(CALL) });
    assert.equal(unsigned.status, 403);
    assert.equal(((await unsigned.json()) as { error: { code: string } }).error.code, 'invalid_signature');
    const forged = await post(srv, '/twilio/voice', CALL, twilio.getExpectedTwilioSignature('another-token-another-token-0000', `${srv.publicUrl}/twilio/voice`, CALL));
    assert.equal(forged.status, 403);
    const tampered = await post(srv, '/twilio/voice', { ...CALL, From: '+15550109999' }, twilio.getExpectedTwilioSignature(srv.authToken, `${srv.publicUrl}/twilio/voice`, CALL));
    assert.equal(tampered.status, 403, 'a parameter changed after signing');
    const otherUrl = await post(srv, '/twilio/voice', CALL, twilio.getExpectedTwilioSignature(srv.authToken, 'https://elsewhere.example.com/twilio/voice', CALL));
    assert.equal(otherUrl.status, 403, 'signed for another URL');
  });

  it('answers a signed call with TwiML connecting a stream, then accepts that stream once (a reused token is closed with 1008)', async () => {
    const res = await post(srv, '/twilio/voice', CALL);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/xml/);
    const xml = await res.text();
    const sessionId = attr(xml, /<Parameter name="session_id" value="([^"]+)"/);
    assert.match(sessionId, /^sess_/);
    // The stream URL names the session, so a load balancer can send the stream where its call waits.
    assert.equal(attr(xml, /<Stream url="([^"]+)"/), `${srv.publicUrl.replace('http', 'ws')}/twilio/media-stream/${sessionId}`);
    assert.equal(attr(xml, /<Parameter name="caller" value="([^"]+)"/), CALL.From);
    assert.equal(attr(xml, /<Connect action="([^"]+)"/), `${srv.publicUrl}/twilio/stream-ended?session_id=${sessionId}`);
    const params = { token: attr(xml, /<Parameter name="token" value="([^"]+)"/), caller: CALL.From, session_id: sessionId };
    assert.ok(srv.server.sessions.get(sessionId), 'the session is open before the stream arrives');

    const first = await openStream(srv, params);
    // The greeting, already produced, flows as 20 ms µ-law frames, each followed by a mark.
    const deadline = Date.now() + 10_000;
    while (first.received.filter((m) => m.event === 'mark').length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const media = first.received.filter((m) => m.event === 'media') as { media: { payload: string }; streamSid: string }[];
    assert.ok(media.length >= 5);
    assert.equal(Buffer.from(media[0]!.media.payload, 'base64').length, 160);
    assert.equal(first.received[0]!.event, 'media');
    assert.equal(first.received[1]!.event, 'mark');

    const reused = await openStream(srv, params);
    assert.deepEqual(await reused.closed, { code: 1008, reason: 'the stream token was already used, or its call has ended' });
    first.ws.close();
    await first.closed;
  });

  it('closes a stream with 1008 when its token is forged, for another call, missing, or its upgrade is unsigned', async () => {
    const res = await post(srv, '/twilio/voice', { ...CALL, CallSid: `CA${'c'.repeat(32)}` });
    const xml = await res.text();
    const token = attr(xml, /<Parameter name="token" value="([^"]+)"/);
    const forged = `${token.slice(0, -4)}AAAA`;
    const cases: { params: Record<string, string>; opts?: { sign?: boolean; callSid?: string; path?: string }; reason: RegExp }[] = [
      { params: { token: forged }, opts: { callSid: `CA${'c'.repeat(32)}` }, reason: /not valid/ },
      { params: { token }, opts: { callSid: `CA${'c'.repeat(32)}`, path: '/sess_someoneElse0000000000000' }, reason: /stream URL names session sess_someoneElse0+, but its token is for sess_/ },
      // A stream for a call another node answered: said so, with what to fix.
      { params: { token }, opts: { callSid: `CA${'c'.repeat(32)}`, path: '/sess_node-z_0000000000000' }, reason: /names session sess_node-z_0+, but its token/ },
      { params: { token }, reason: /is for call CAc+, not CAa+/ },
      { params: {}, reason: /no 'token' parameter/ },
      { params: { token }, opts: { sign: false, callSid: `CA${'c'.repeat(32)}` }, reason: /invalid X-Twilio-Signature/ },
    ];
    for (const c of cases) {
      const s = await openStream(srv, c.params, c.opts);
      const { code, reason } = await s.closed;
      assert.equal(code, 1008);
      assert.match(reason, c.reason);
    }
    // None of those used the token up.
    const good = await openStream(srv, { token }, { callSid: `CA${'c'.repeat(32)}` });
    const deadline = Date.now() + 10_000;
    while (!good.received.some((m) => m.event === 'media') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(good.received.some((m) => m.event === 'media'));
    good.ws.close();
  });

  it('records call progress and the end of the call from the status callback, and ends a live session', async () => {
    const callSid = `CA${'d'.repeat(32)}`;
    const xml = await (await post(srv, '/twilio/voice', { ...CALL, CallSid: callSid })).text();
    const sessionId = attr(xml, /<Parameter name="session_id" value="([^"]+)"/);
    assert.equal((await post(srv, '/twilio/status', { ...CALL, CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '0' })).status, 204);
    assert.equal((await post(srv, '/twilio/status', { ...CALL, CallSid: callSid, CallStatus: 'completed', CallDuration: '7', SequenceNumber: '1' })).status, 204);
    assert.equal((await post(srv, '/twilio/status', { ...CALL, CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '0' })).status, 204, 'a late progress callback');
    const deadline = Date.now() + 5000;
    while (srv.server.sessions.get(sessionId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(srv.server.sessions.get(sessionId), undefined, 'the completed call ended its session');
    const record = await store.calls.call(callSid);
    assert.ok(record);
    assert.equal(record.sessionId, sessionId);
    assert.equal(record.status, 'completed', 'a late progress callback does not reopen a finished call');
    assert.equal(record.durationS, 7);
    assert.ok(record.endedAt);
    assert.deepEqual(record.events.filter((e) => e.source === 'call').map((e) => e.event), ['in-progress', 'completed', 'in-progress']);
    assert.equal((await store.records.session(sessionId))?.endReason, 'caller hung up (call completed)');
  });
});

describe('Twilio endpoints on a server without phone calls', () => {
  it('answers 503 twilio_not_configured', async () => {
    const srv = await startTestServer({}, { agentsDir: 'agents' });
    try {
      const res = await fetch(`${srv.url}/twilio/voice`, { method: 'POST', body: '' });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'twilio_not_configured');
    } finally {
      await srv.close();
    }
  });
});
