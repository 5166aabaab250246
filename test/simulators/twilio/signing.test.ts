import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import twilio from 'twilio';
import { parseTwiml, signedWebhook, upgradeSignature } from '../../../src/simulators/twilio/index.js';

const TOKEN = '12345678901234567890123456789012';

describe('Twilio simulator: request signatures', () => {
  it('a POST webhook is signed over URL + sorted form params, and twilio.validateRequest accepts it', () => {
    const url = 'https://example.com/voice?foo=1&bar=2';
    const params = { To: '+16505550100', From: '+14155550100', CallSid: 'CA123' };
    const req = signedWebhook(TOKEN, 'POST', url, params);
    const sig = req.headers['X-Twilio-Signature']!;
    assert.equal(twilio.validateRequest(TOKEN, sig, url, params), true);
    assert.equal(twilio.validateRequest('another-token', sig, url, params), false);
    assert.equal(twilio.validateRequest(TOKEN, sig, url, { ...params, To: '+1' }), false);
    // The documented string: URL, then name+value in sorted order.
    const expected = createHmac('sha1', TOKEN).update('https://example.com/voice?foo=1&bar=2CallSidCA123From+14155550100To+16505550100').digest('base64');
    assert.equal(sig, expected);
    assert.equal(req.headers['Content-Type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), params);
  });

  it('a GET webhook carries the params in the query string, which the signature covers', () => {
    const req = signedWebhook(TOKEN, 'GET', 'https://example.com/ended', { CallSid: 'CA1', CallStatus: 'in-progress' });
    assert.equal(req.url, 'https://example.com/ended?CallSid=CA1&CallStatus=in-progress');
    assert.equal(req.body, undefined);
    assert.equal(twilio.validateRequest(TOKEN, req.headers['X-Twilio-Signature']!, req.url, {}), true);
  });

  it('the WebSocket upgrade is signed over the exact stream URL with no params', () => {
    const url = 'wss://parley.example.com/twilio/media-stream';
    assert.equal(twilio.validateRequest(TOKEN, upgradeSignature(TOKEN, url), url, {}), true);
    assert.equal(twilio.validateRequest(TOKEN, upgradeSignature(TOKEN, url), 'wss://other.example.com/twilio/media-stream', {}), false);
  });

  it('no token: no signature header', () => {
    assert.equal(signedWebhook(null, 'POST', 'https://example.com/', {}).headers['X-Twilio-Signature'], undefined);
  });
});

describe('Twilio simulator: TwiML', () => {
  it("parses Parley's answer: <Connect action> with <Stream url statusCallback> and its <Parameter>s", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect action="https://p.example/twilio/stream-ended?session_id=sess_1&amp;x=2">' +
      '<Stream url="wss://p.example/twilio/media-stream" statusCallback="https://p.example/twilio/stream-status">' +
      '<Parameter name="token" value="t0k"/><Parameter name="caller" value="+15551230001"/><Parameter name="session_id" value="sess_1"/></Stream></Connect></Response>';
    assert.deepEqual(parseTwiml(xml), {
      verbs: [
        {
          verb: 'Connect',
          action: 'https://p.example/twilio/stream-ended?session_id=sess_1&x=2',
          method: 'POST',
          attributes: { action: 'https://p.example/twilio/stream-ended?session_id=sess_1&x=2' },
          stream: {
            url: 'wss://p.example/twilio/media-stream',
            statusCallback: 'https://p.example/twilio/stream-status',
            statusCallbackMethod: 'POST',
            parameters: { token: 't0k', caller: '+15551230001', session_id: 'sess_1' },
          },
        },
      ],
    });
  });

  it('parses what the twilio SDK builds, verbs in order', () => {
    const vr = new twilio.twiml.VoiceResponse();
    vr.say({ voice: 'alice' }, 'Connecting you <now> & "then"');
    const connect = vr.connect({ action: 'https://p.example/ended', method: 'GET' });
    const stream = connect.stream({ url: 'wss://p.example/media', name: 'agent', statusCallbackMethod: 'GET' });
    stream.parameter({ name: 'callToken', value: "it's <secret>" });
    vr.say('Goodbye.');
    vr.dial('+14155550123');
    vr.dial().number('+14155550124');
    vr.redirect({ method: 'GET' }, 'https://p.example/next');
    vr.pause({ length: 2 });
    vr.gather({ numDigits: 1 }).say('Press 1');
    vr.hangup();
    const { verbs } = parseTwiml(vr.toString());
    assert.deepEqual(
      verbs.map((v) => v.verb),
      ['Say', 'Connect', 'Say', 'Dial', 'Dial', 'Redirect', 'Pause', 'Unknown', 'Hangup'],
    );
    assert.deepEqual(verbs[0], { verb: 'Say', text: 'Connecting you <now> & "then"', attributes: { voice: 'alice' } });
    const c = verbs[1]!;
    assert.ok(c.verb === 'Connect');
    assert.equal(c.method, 'GET');
    assert.deepEqual(c.stream, { url: 'wss://p.example/media', name: 'agent', statusCallbackMethod: 'GET', parameters: { callToken: "it's <secret>" } });
    assert.deepEqual(verbs[3], { verb: 'Dial', number: '+14155550123', attributes: {} });
    assert.deepEqual(verbs[4], { verb: 'Dial', number: '+14155550124', attributes: {} });
    assert.deepEqual(verbs[5], { verb: 'Redirect', url: 'https://p.example/next', method: 'GET' });
    assert.deepEqual(verbs[6], { verb: 'Pause', lengthS: 2 });
    assert.deepEqual(verbs[7], { verb: 'Unknown', name: 'Gather', attributes: { numDigits: '1' }, text: 'Press 1' });
  });

  it('an empty answer has no verbs; <Hangup/> alone; bad XML and a wrong root are TWIML_INVALID', () => {
    assert.deepEqual(parseTwiml(''), { verbs: [] });
    assert.deepEqual(parseTwiml('<Response/>'), { verbs: [] });
    assert.deepEqual(parseTwiml('<Response><Hangup/></Response>'), { verbs: [{ verb: 'Hangup' }] });
    assert.throws(() => parseTwiml('<Response><Say>x</Response>'), { code: 'TWIML_INVALID' });
    assert.throws(() => parseTwiml('<html><body>502 Bad Gateway</body></html>'), { code: 'TWIML_INVALID', message: /<Response>.*<html>/ });
  });
});
