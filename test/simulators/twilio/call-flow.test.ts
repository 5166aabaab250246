import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TwilioNetwork } from '../../../src/simulators/twilio/index.js';
import { startFakeParley, type FakeParley } from './fake-parley.js';

const AUTH_TOKEN = 'flow-test-token';

describe('Twilio simulator: how a call goes on after the stream', () => {
  let fake: FakeParley;
  let net: TwilioNetwork;
  before(async () => {
    fake = await startFakeParley({ authToken: AUTH_TOKEN });
    net = await TwilioNetwork.start({ authToken: AUTH_TOKEN });
  });
  beforeEach(() => {
    fake.actionTwiml = '<Response><Hangup/></Response>';
    fake.voiceTwiml = null;
  });
  after(async () => {
    await net.close();
    await fake.close();
  });

  it('Parley closes the socket: the <Connect action> is requested (signed) and its <Dial> transfers the call; then the status callback', async () => {
    fake.actionTwiml = '<Response><Dial>+14155550199</Dial></Response>';
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'media');
    stream.ws.close(1000, 'transfer');
    const end = await call.ended;
    assert.equal(end.by, 'server-closed');
    assert.equal(end.closeCode, 1000);
    assert.equal(end.closeReason, 'transfer');
    assert.equal(end.transferredTo, '+14155550199');
    assert.deepEqual(end.twiml, { verbs: [{ verb: 'Dial', number: '+14155550199', attributes: {} }] });
    assert.equal(stream.messages.some((m) => m.event === 'stop'), false, 'Parley closed the stream: no stop');

    const mine = fake.requests.filter((r) => r.params.CallSid === call.callSid);
    assert.deepEqual(mine.map((r) => r.path), ['/twilio/voice', '/twilio/stream-status', '/twilio/stream-status', '/twilio/stream-ended', '/twilio/status']);
    assert.ok(mine.every((r) => r.signatureValid), 'every request is signed');
    const action = mine[3]!;
    assert.equal(action.method, 'POST');
    assert.equal(action.params.session_id, 'sess_1', 'the action URL keeps its query string');
    assert.equal(action.params.CallStatus, 'in-progress');
    assert.equal(mine[4]!.params.CallStatus, 'completed');
  });

  it('close 1008 with a reason (a bad stream token, via tamper): surfaced in ended; <Hangup/> ends the call', async () => {
    fake.actionTwiml = '';
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url, tamper: (p) => ({ ...p, token: 'forged' }) });
    const stream = await streamP;
    const start = await stream.waitFor((m) => m.event === 'start');
    assert.equal(start.start.customParameters.token, 'forged');
    assert.equal(call.customParameters?.token, 'forged');
    stream.ws.close(1008, 'invalid stream token');
    const end = await call.ended;
    assert.deepEqual([end.by, end.closeCode, end.closeReason, end.transferredTo], ['server-closed', 1008, 'invalid stream token', undefined]);
    assert.deepEqual(end.twiml, { verbs: [] }, 'an empty action answer: the call hangs up');
    assert.match(call.timeline.map((e) => e.detail).join('\n'), /Parley closed the stream: code 1008 "invalid stream token"/);
  });

  it('without an action, the verbs after </Connect> run: <Say> then the end of the document', async () => {
    fake.voiceTwiml = `<Response><Connect><Stream url="${fake.url.replace('http', 'ws')}/twilio/media-stream"/></Connect><Say>Goodbye.</Say></Response>`;
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    stream.ws.close();
    const end = await call.ended;
    assert.equal(end.by, 'server-closed');
    assert.deepEqual(call.said, ['Goodbye.']);
  });

  it('a webhook answer without a stream ends the call by TwiML; <Redirect> is followed', async () => {
    fake.voiceTwiml = `<Response><Say>We are closed.</Say><Redirect>${fake.url}/twilio/stream-ended</Redirect></Response>`;
    fake.actionTwiml = '<Response><Reject/></Response>';
    const call = await net.call({ baseUrl: fake.url });
    const end = await call.ended;
    assert.equal(end.by, 'twiml');
    assert.deepEqual(call.said, ['We are closed.']);
    assert.deepEqual(end.twiml?.verbs, [{ verb: 'Reject' }]);
    assert.equal(call.streamSid, undefined);
  });

  it('openExtraStream(): a second socket replaying the call\'s parameters, for "reused token" tests', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    await streamP;
    const secondP = fake.nextStream();
    const extra = await call.openExtraStream();
    const second = await secondP;
    const start = await second.waitFor((m) => m.event === 'start');
    assert.deepEqual(start.start.customParameters, call.customParameters);
    assert.equal(start.start.callSid, call.callSid);
    assert.notEqual(extra.streamSid, call.streamSid);
    second.ws.close(1008, 'stream token already used');
    assert.deepEqual(await extra.closed, { code: 1008, reason: 'stream token already used', closedBy: 'server' });
    assert.equal(call.connected, true, 'the real stream is unaffected');
    await call.hangUp();
  });

  it('status callback: null disables it; statusCallbackUrl moves it', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url, statusCallbackUrl: `${fake.url}/elsewhere` });
    await streamP;
    await call.hangUp();
    assert.equal(fake.requests.filter((r) => r.params.CallSid === call.callSid).at(-1)!.path, '/elsewhere');
    const p2 = fake.nextStream();
    const quiet = await net.call({ baseUrl: fake.url, statusCallbackUrl: null });
    await p2;
    await quiet.hangUp();
    assert.equal(fake.requests.some((r) => r.params.CallSid === quiet.callSid && r.path === '/twilio/status'), false);
  });
});
