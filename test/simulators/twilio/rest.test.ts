import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { TwilioNetwork } from '../../../src/simulators/twilio/index.js';
import { twilioRestClient } from '../../../src/transports/twilio/rest-client.js';
import { startFakeParley, type FakeParley } from './fake-parley.js';

const AUTH_TOKEN = 'rest-test-token';

describe('Twilio simulator: the REST API, driven by the real twilio SDK', () => {
  let fake: FakeParley;
  let net: TwilioNetwork;
  let client: ReturnType<typeof twilioRestClient>;
  before(async () => {
    fake = await startFakeParley({ authToken: AUTH_TOKEN });
    net = await TwilioNetwork.start({ authToken: AUTH_TOKEN });
    client = twilioRestClient({ accountSid: net.accountSid, authToken: AUTH_TOKEN, apiUrl: net.restUrl });
  });
  after(async () => {
    await net.close();
    await fake.close();
  });

  it('update({ status: "completed" }) hangs up: the stream gets stop, then closes; ended.by rest-completed', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    await stream.waitFor((m) => m.event === 'media');
    const updated = await client.calls(call.callSid).update({ status: 'completed' });
    assert.equal(updated.sid, call.callSid);
    assert.equal(updated.accountSid, net.accountSid);
    assert.equal(updated.status, 'completed');
    assert.equal(updated.direction, 'inbound');
    assert.equal(updated.from, call.from);
    assert.ok(updated.dateCreated instanceof Date, 'RFC 2822 dates parse');
    const end = await call.ended;
    assert.equal(end.by, 'rest-completed');
    await stream.closed;
    assert.equal(stream.messages.at(-1)!.event, 'stop');
    assert.equal((await fake.waitForRequest('/twilio/status')).params.CallSid !== undefined, true);
    const fetched = await client.calls(call.callSid).fetch();
    assert.equal(fetched.status, 'completed', 'an ended call can still be fetched');
    assert.match(fetched.duration, /^\d+$/);
  });

  it('update({ twiml: "<Response><Dial>…" }) ends the stream and transfers the call', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    const stream = await streamP;
    const updated = await client.calls(call.callSid).update({ twiml: '<Response><Say>Transferring you.</Say><Dial>+14155550123</Dial></Response>' });
    assert.equal(updated.status, 'in-progress');
    const end = await call.ended;
    assert.equal(end.by, 'rest-twiml');
    assert.equal(end.transferredTo, '+14155550123');
    assert.deepEqual(end.twiml?.verbs.map((v) => v.verb), ['Say', 'Dial']);
    assert.deepEqual(call.said, ['Transferring you.']);
    await stream.closed;
    assert.equal(stream.messages.at(-1)!.event, 'stop');
    assert.equal(
      fake.requests.some((r) => r.path === '/twilio/stream-ended' && r.params.CallSid === call.callSid),
      false,
      'new TwiML replaces the call: the <Connect action> is not requested',
    );
    // The SDK's TwiML object works too (serialized by the SDK).
    await assert.rejects(client.calls(call.callSid).update({ twiml: new twilio.twiml.VoiceResponse() }), (err: { status: number; code: number }) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 21220, 'the call is over: Twilio refuses to redirect it');
      return true;
    });
  });

  it('wrong credentials: the SDK throws a RestException with status 401 (code 20003); an unknown call is 404', async () => {
    const streamP = fake.nextStream();
    const call = await net.call({ baseUrl: fake.url });
    await streamP;
    const wrong = twilioRestClient({ accountSid: net.accountSid, authToken: 'not-the-token', apiUrl: net.restUrl });
    await assert.rejects(wrong.calls(call.callSid).update({ status: 'completed' }), (err: unknown) => {
      assert.ok(err instanceof twilio.RestException);
      assert.equal(err.status, 401);
      assert.equal(err.code, 20003);
      assert.equal(err.moreInfo, 'https://www.twilio.com/docs/errors/20003');
      return true;
    });
    assert.equal(call.finished, false, 'a refused request changes nothing');
    await assert.rejects(client.calls(`CA${'0'.repeat(32)}`).update({ status: 'completed' }), { status: 404, code: 20404 });
    await assert.rejects(client.calls(call.callSid).update({ url: 'https://example.com/twiml' }), { status: 400, message: /not supported by the Twilio simulator/ });
    await call.hangUp();
  });

  it('twilioRestClient without apiUrl talks to api.twilio.com (the request goes through the SDK untouched)', () => {
    const real = twilioRestClient({ accountSid: net.accountSid, authToken: AUTH_TOKEN });
    assert.equal(real.httpClient instanceof twilio.RequestClient, true);
    assert.equal(real.httpClient?.constructor, twilio.RequestClient);
  });
});
